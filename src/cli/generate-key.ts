import { generateEncryptionKey } from '../security/secret-box.ts'
import { UsageError } from './usage-error.ts'

/**
 * Prints a new `keyId:base64key` entry. To rotate, put it first in
 * ENCRYPTION_KEYS and keep the old entries after it.
 */
export function runGenerateKey(args: string[]): number {
  if (args.length > 1) throw new UsageError('usage: sence-gateway generate-key [key-id]')
  const keyId = args[0]
  if (keyId !== undefined && !/^[A-Za-z0-9_-]+$/.test(keyId))
    throw new UsageError(`key id "${keyId}" may use only letters, digits, "_" and "-"`)
  console.log(generateEncryptionKey(keyId))
  return 0
}
