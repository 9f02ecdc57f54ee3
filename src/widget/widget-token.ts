// The token of the embeddable session widget: it lets a browser see one
// session's timer and start its logout, and nothing else. The LMS gets it
// from the API (POST /v1/sessions/{id}/widget-token) with its API key,
// which never reaches the browser.
//
// The token is the session id, the token's lifetime and its expiry, sealed
// with AES-256-GCM by the same SecretBox as the SENCE Tokens, so that every
// instance of the gateway can open it without a database row, and without
// the keys no one can forge or extend one. It cannot be revoked before it
// expires, which is why it lives minutes, not hours. The widget's script
// renews it through GET /widget/state while the session is open. Past its
// expiry, a token still renews and starts the logout of its session while
// that session is open, within the bounds of acceptsExpiredToken in
// widget-state.ts, so that a page left open without JavaScript keeps a
// logout button that works.

import { z } from 'zod'
import type { SecretBox } from '../security/secret-box.ts'
import { isUuid } from '../sessions/session-id.ts'

export const WIDGET_TOKEN_PREFIX = 'wt_'
export const DEFAULT_WIDGET_TOKEN_SECONDS = 15 * 60
export const WIDGET_TOKEN_SECONDS_RANGE = { min: 60, max: 60 * 60 } as const

/** Marks the sealed value as a widget token, so that no other sealed value can pass for one. */
const PURPOSE = 'session-widget'

const payloadSchema = z.object({
  purpose: z.literal(PURPOSE),
  sessionId: z.string().refine(isUuid),
  lifetimeSeconds: z.int(),
  expiresAt: z.int().describe('Unix time in seconds.'),
})

export interface WidgetGrant {
  sessionId: string
  /** The lifetime the LMS asked for; each renewal gives the same. */
  lifetimeSeconds: number
  expiresAt: Date
}

export interface IssuedWidgetToken {
  token: string
  expiresAt: Date
}

export function issueWidgetToken(
  secrets: SecretBox,
  sessionId: string,
  lifetimeSeconds: number = DEFAULT_WIDGET_TOKEN_SECONDS,
  now: Date = new Date(),
): IssuedWidgetToken {
  const expiresAt = Math.floor(now.getTime() / 1000) + lifetimeSeconds
  const sealed = secrets.seal(
    JSON.stringify({ purpose: PURPOSE, sessionId, lifetimeSeconds, expiresAt }),
  )
  // A sealed value is `v1:keyId:base64url`; dots keep the token free of
  // characters that a URL or an HTML attribute would need to escape.
  return {
    token: WIDGET_TOKEN_PREFIX + sealed.replaceAll(':', '.'),
    expiresAt: new Date(expiresAt * 1000),
  }
}

export type OpenedWidgetToken =
  { ok: true; grant: WidgetGrant } | { ok: false; reason: 'malformed' | 'expired' }

/** Opens a token; a tampered, truncated or foreign value is `malformed`. */
export function openWidgetToken(
  secrets: SecretBox,
  token: string,
  now: Date = new Date(),
): OpenedWidgetToken {
  const grant = unsealWidgetToken(secrets, token)
  if (grant === null) return { ok: false, reason: 'malformed' }
  if (grant.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' }
  return { ok: true, grant }
}

/**
 * Returns the grant of an authentic token, expired or not, or null for a
 * tampered, truncated or foreign value. Routes that accept an expired token
 * in some cases check the expiry themselves.
 */
export function unsealWidgetToken(secrets: SecretBox, token: string): WidgetGrant | null {
  if (!token.startsWith(WIDGET_TOKEN_PREFIX) || token.length > 1024) return null
  let payload: z.infer<typeof payloadSchema>
  try {
    const plaintext = secrets.open(token.slice(WIDGET_TOKEN_PREFIX.length).replaceAll('.', ':'))
    payload = payloadSchema.parse(JSON.parse(plaintext))
  } catch {
    return null
  }
  return {
    sessionId: payload.sessionId,
    lifetimeSeconds: payload.lifetimeSeconds,
    expiresAt: new Date(payload.expiresAt * 1000),
  }
}

/** Returns when the token was issued, to the second: its expiry minus its lifetime. */
export function issuedAtOf(grant: WidgetGrant): Date {
  return new Date(grant.expiresAt.getTime() - grant.lifetimeSeconds * 1000)
}
