import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { TICKET_LENGTH } from '../protocol/fields.ts'

/** A ticket: 128 random bits in base64url (22 characters), the only secret of a browser round trip. */
export function generateTicket(): string {
  const ticket = randomBytes(16).toString('base64url')
  if (ticket.length !== TICKET_LENGTH) throw new Error('unexpected ticket length')
  return ticket
}

/** True when a string has the shape of a ticket, checked before any lookup. */
export function isTicketShaped(value: string): boolean {
  return value.length === TICKET_LENGTH && /^[A-Za-z0-9_-]+$/.test(value)
}

/** SHA-256 in hex: how tickets and API keys are stored and looked up. */
export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

/** Compares two strings in time that does not depend on where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/** The prefix of an API key, by the SENCE environment of its OTEC: a leaked key tells which it is. */
export const API_KEY_PREFIXES = { test: 'sk_test_', production: 'sk_live_' } as const

/** An API key: a prefix that tells its environment, then 192 random bits in base64url. */
export function generateApiKey(environment: 'test' | 'production'): string {
  return API_KEY_PREFIXES[environment] + randomBytes(24).toString('base64url')
}

/** The part of an API key shown in listings: its prefix and the first four random characters. */
export function apiKeyDisplayPrefix(apiKey: string): string {
  return apiKey.slice(0, 12)
}

/** A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return 'whsec_' + randomBytes(32).toString('base64')
}
