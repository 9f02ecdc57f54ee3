// What every long-running command opens: settings, logger, the secret box
// and the database, migrated when asked to or when embedded.

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Settings } from '../config/settings.ts'
import { createLogger, type Logger } from '../logging/logger.ts'
import { openDatabase, type Database } from '../persistence/database.ts'
import { applyMigrations, unappliedMigrations } from '../persistence/migrations.ts'
import { missingKeyIds } from '../security/reseal-secrets.ts'
import { createSecretBox, generateEncryptionKey, type SecretBox } from '../security/secret-box.ts'

export interface Runtime {
  settings: Settings
  logger: Logger
  secrets: SecretBox
  db: Database
  close(): Promise<void>
}

export interface RuntimeOptions {
  /** Apply pending migrations first. The embedded database is always migrated. */
  migrate: boolean
}

export async function openRuntime(
  settings: Settings,
  options: RuntimeOptions,
  logger = createLogger(settings.logLevel),
): Promise<Runtime> {
  const secrets = createSecretBox(
    settings.encryptionKeys ?? embeddedEncryptionKeys(settings.dataDir, logger),
  )
  const db = await openDatabase({
    databaseUrl: settings.databaseUrl,
    dataDir: settings.dataDir,
    poolMax: settings.databasePoolMax,
  })
  try {
    if (options.migrate || db.embedded) {
      await applyMigrations(db.url, logger)
    } else {
      const pending = await unappliedMigrations(db.pool)
      if (pending.length > 0) {
        throw new Error(
          `the database lacks ${pending.length} migration(s) (${pending.join(', ')}); ` +
            'run `sence-gateway migrate` first, or start with --migrate',
        )
      }
    }
    // A rotation done in the wrong order (an old key removed before
    // reseal-secrets) would otherwise pass every probe and fail each intent.
    const missing = await missingKeyIds(db.prisma, secrets)
    if (missing.length > 0) {
      const list = missing.map(({ keyId, values }) => `"${keyId}" (${values} value(s))`).join(', ')
      throw new Error(
        `ENCRYPTION_KEYS lacks the key(s) ${list} that stored secrets are sealed with; ` +
          'add them back after the current key, then run `sence-gateway reseal-secrets`',
      )
    }
  } catch (error) {
    await db.close()
    throw error
  }
  return { settings, logger, secrets, db, close: () => db.close() }
}

/**
 * Returns the embedded mode's encryption key, kept in DATA_DIR and readable
 * by its owner only, creating it the first time.
 */
function embeddedEncryptionKeys(dataDir: string, logger: Logger): string {
  const keyPath = path.join(dataDir, 'encryption-keys')
  const created = writePrivateFileOnce(keyPath, () => generateEncryptionKey('embedded'))
  if (created) logger.info({ path: keyPath }, 'created the embedded encryption key')
  return readFileSync(keyPath, 'utf8').trim()
}

/**
 * Writes a file with mode 0600 unless it exists, and returns whether it did.
 * An existing file's mode is tightened to 0600 too.
 */
export function writePrivateFileOnce(filePath: string, content: () => string): boolean {
  mkdirSync(path.dirname(filePath), { recursive: true, mode: 0o700 })
  if (existsSync(filePath)) {
    chmodSync(filePath, 0o600)
    return false
  }
  writeFileSync(filePath, content(), { mode: 0o600, flag: 'wx' })
  return true
}
