// Encryption at rest of the secrets the gateway must be able to read back:
// each OTEC's SENCE Token and the webhook signing secrets. AES-256-GCM with
// a random 96-bit nonce per value; the key id is stored with each value so
// that keys can be rotated: the first key of ENCRYPTION_KEYS seals, and
// every listed key opens.

import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  type KeyObject,
  randomBytes,
} from 'node:crypto'

const ALGORITHM = 'aes-256-gcm'
const KEY_BYTES = 32
const NONCE_BYTES = 12
const TAG_BYTES = 16
const FORMAT_VERSION = 'v1'

export interface SecretBox {
  /** Id of the key that seals new values. */
  readonly currentKeyId: string
  seal(plaintext: string): string
  /** Throws when the value is malformed, tampered with, or sealed with a key not configured. */
  open(sealed: string): string
  /** Returns the id of the key that sealed a value. */
  keyIdOf(sealed: string): string
  /** The ids of every configured key, the sealing one first. */
  readonly keyIds: readonly string[]
}

/**
 * Builds a SecretBox from `keyId:base64key` entries separated by commas,
 * each key 32 random bytes. Throws with the entry at fault.
 */
export function createSecretBox(encryptionKeys: string): SecretBox {
  // KeyObjects made once: a Buffer key is imported again by every cipher,
  // which was a visible share of the CPU of each request that seals or opens.
  const keys = new Map<string, KeyObject>()
  for (const [keyId, key] of parseKeys(encryptionKeys)) keys.set(keyId, createSecretKey(key))
  const [current] = keys.keys()
  if (current === undefined) throw new Error('ENCRYPTION_KEYS: no key given')
  const currentAad = Buffer.from(current)

  return {
    currentKeyId: current,
    keyIds: [...keys.keys()],

    seal(plaintext) {
      const key = keys.get(current) as KeyObject
      const nonce = randomBytes(NONCE_BYTES)
      const cipher = createCipheriv(ALGORITHM, key, nonce)
      // The key id is authenticated too, so a value cannot be moved to another key's slot.
      cipher.setAAD(currentAad)
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      const payload = Buffer.concat([nonce, cipher.getAuthTag(), ciphertext]).toString('base64url')
      return `${FORMAT_VERSION}:${current}:${payload}`
    },

    open(sealed) {
      const { keyId, payload } = splitSealed(sealed)
      const key = keys.get(keyId)
      if (key === undefined)
        throw new Error(
          `sealed value uses encryption key "${keyId}", which is not in ENCRYPTION_KEYS`,
        )
      const bytes = Buffer.from(payload, 'base64url')
      if (bytes.length < NONCE_BYTES + TAG_BYTES) throw new Error('sealed value is truncated')
      const decipher = createDecipheriv(ALGORITHM, key, bytes.subarray(0, NONCE_BYTES))
      decipher.setAAD(Buffer.from(keyId))
      decipher.setAuthTag(bytes.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES))
      const plaintext = Buffer.concat([
        decipher.update(bytes.subarray(NONCE_BYTES + TAG_BYTES)),
        decipher.final(),
      ])
      return plaintext.toString('utf8')
    },

    keyIdOf(sealed) {
      return splitSealed(sealed).keyId
    },
  }
}

/** Generates a new `keyId:base64key` entry for ENCRYPTION_KEYS. */
export function generateEncryptionKey(
  keyId: string = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`,
): string {
  return `${keyId}:${randomBytes(KEY_BYTES).toString('base64')}`
}

function parseKeys(encryptionKeys: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>()
  for (const [index, entry] of encryptionKeys
    .split(',')
    .map((part) => part.trim())
    .entries()) {
    const separator = entry.indexOf(':')
    const keyId = entry.slice(0, separator)
    const key = Buffer.from(entry.slice(separator + 1), 'base64')
    if (separator <= 0 || !/^[A-Za-z0-9_-]+$/.test(keyId))
      throw new Error(`ENCRYPTION_KEYS: entry ${index + 1} must look like keyId:base64key`)
    if (key.length !== KEY_BYTES)
      throw new Error(
        `ENCRYPTION_KEYS: key "${keyId}" must be ${KEY_BYTES} bytes in base64 (got ${key.length} bytes)`,
      )
    if (keys.has(keyId)) throw new Error(`ENCRYPTION_KEYS: key id "${keyId}" appears twice`)
    keys.set(keyId, key)
  }
  return keys
}

function splitSealed(sealed: string): { keyId: string; payload: string } {
  const [version, keyId, payload] = sealed.split(':')
  if (version !== FORMAT_VERSION || keyId === undefined || payload === undefined)
    throw new Error('sealed value is not in the v1:keyId:payload format')
  return { keyId, payload }
}
