// Staff passwords, hashed with scrypt (node:crypto), a memory-hard function:
// N = 2^17, r = 8, p = 1, the minimum that OWASP's Password Storage Cheat
// Sheet recommends for scrypt, which takes 128 MiB per hash. Stored in PHC
// string form, `$scrypt$ln=17,r=8,p=1$<salt>$<hash>` (base64 without
// padding), so that stronger parameters can come later and old hashes stay
// readable.

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'

interface ScryptParameters {
  /** log2 of N, the CPU and memory cost. */
  ln: number
  r: number
  p: number
}

export const CURRENT_PARAMETERS: ScryptParameters = { ln: 17, r: 8, p: 1 }

const SALT_BYTES = 16
const HASH_BYTES = 32

/** Passwords shorter than this are rejected: length is what makes a password hard to guess. */
export const MIN_PASSWORD_LENGTH = 12
/** Longer passwords are rejected, so that a huge body cannot tie up the hash. */
export const MAX_PASSWORD_LENGTH = 256

const PHC_PATTERN = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/

/** Returns the problem of a new password, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  const length = [...password].length
  if (length < MIN_PASSWORD_LENGTH)
    return `the password has ${length} characters; use at least ${MIN_PASSWORD_LENGTH}`
  if (length > MAX_PASSWORD_LENGTH)
    return `the password has ${length} characters; use at most ${MAX_PASSWORD_LENGTH}`
  return null
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const hash = await scryptHash(password, salt, CURRENT_PARAMETERS)
  const { ln, r, p } = CURRENT_PARAMETERS
  return `$scrypt$ln=${ln},r=${r},p=${p}$${unpadded(salt)}$${unpadded(hash)}`
}

/** True when the password matches the stored hash; false for a wrong password or a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const match = PHC_PATTERN.exec(stored)
  if (match === null) return false
  const [, ln, r, p, salt, expected] = match as unknown as [string, ...string[]]
  const expectedHash = Buffer.from(expected as string, 'base64')
  const parameters = { ln: Number(ln), r: Number(r), p: Number(p) }
  const actual = await scryptHash(
    password,
    Buffer.from(salt as string, 'base64'),
    parameters,
    expectedHash.length,
  )
  return timingSafeEqual(actual, expectedHash)
}

/** True when a stored hash was made with weaker parameters than the current ones. */
export function needsRehash(stored: string): boolean {
  const match = PHC_PATTERN.exec(stored)
  if (match === null) return true
  const [ln, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])]
  return ln < CURRENT_PARAMETERS.ln || r < CURRENT_PARAMETERS.r || p < CURRENT_PARAMETERS.p
}

/**
 * Spends the time of one verification without a stored hash, so that a
 * sign-in with an unknown address takes as long as one with a wrong
 * password and does not tell which addresses have accounts.
 */
export async function spendVerificationTime(password: string): Promise<void> {
  await scryptHash(password, DUMMY_SALT, CURRENT_PARAMETERS)
}

const DUMMY_SALT = randomBytes(SALT_BYTES)

function scryptHash(
  password: string,
  salt: Buffer,
  parameters: ScryptParameters,
  length = HASH_BYTES,
): Promise<Buffer> {
  const options: ScryptOptions = {
    N: 2 ** parameters.ln,
    r: parameters.r,
    p: parameters.p,
    // scrypt needs 128 * N * r bytes; node's default limit (32 MiB) is below that for ln=17.
    maxmem: 256 * 2 ** parameters.ln * parameters.r,
  }
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, length, options, (error, key) =>
      error === null ? resolve(key) : reject(error),
    ),
  )
}

function unpadded(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '')
}
