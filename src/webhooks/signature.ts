// Standard Webhooks 1.0 signatures: HMAC-SHA256 over `{id}.{timestamp}.{body}`
// with the secret's random bytes as the key, sent as `v1,<base64>`. During a
// secret rotation both secrets sign, space-separated in one header, so that
// a receiver holding either secret accepts the message.

import { createHmac } from 'node:crypto'

const SECRET_PREFIX = 'whsec_'

/** Standard Webhooks asks for 24 to 64 random bytes. */
const MIN_SECRET_BYTES = 24
const MAX_SECRET_BYTES = 64

/** The three headers of a signed webhook, named as the spec names them. */
export interface WebhookHeaders {
  'webhook-id': string
  'webhook-timestamp': string
  'webhook-signature': string
}

/**
 * Returns the key bytes of a `whsec_` secret. Throws when the secret is not
 * `whsec_` and the base64 of 24 to 64 bytes.
 */
export function secretKeyBytes(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX))
    throw new Error(`webhook secret must start with "${SECRET_PREFIX}"`)
  const encoded = secret.slice(SECRET_PREFIX.length)
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded))
    throw new Error('webhook secret must be "whsec_" followed by base64')
  const key = Buffer.from(encoded, 'base64')
  if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES)
    throw new Error(
      `webhook secret must hold ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES} bytes (got ${key.length})`,
    )
  return key
}

/** Signs one message with one secret: `v1,` and the base64 HMAC-SHA256. */
export function signMessage(
  secret: string,
  webhookId: string,
  timestampSeconds: number,
  body: string,
): string {
  const digest = createHmac('sha256', secretKeyBytes(secret))
    .update(`${webhookId}.${timestampSeconds}.${body}`)
    .digest('base64')
  return `v1,${digest}`
}

/**
 * Builds the headers of one attempt. `secrets` lists the current secret
 * first, then the previous one while a rotation's overlap lasts.
 */
export function signedHeaders(
  secrets: string[],
  webhookId: string,
  timestampSeconds: number,
  body: string,
): WebhookHeaders {
  if (secrets.length === 0) throw new Error('at least one webhook secret is needed to sign')
  return {
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets
      .map((secret) => signMessage(secret, webhookId, timestampSeconds, body))
      .join(' '),
  }
}
