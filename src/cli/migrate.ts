import { loadSettings } from '../config/settings.ts'
import { createLogger } from '../logging/logger.ts'
import { startEmbeddedPostgres } from '../persistence/embedded-postgres.ts'
import { applyMigrations } from '../persistence/migrations.ts'
import { UsageError } from './usage-error.ts'

/** `sence-gateway migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and exits. */
export async function runMigrate(args: string[]): Promise<number> {
  if (args.length > 0) throw new UsageError('usage: sence-gateway migrate')
  const settings = loadSettings(process.env, { needsEncryptionKeys: false })
  const logger = createLogger(settings.logLevel)

  if (settings.databaseUrl !== undefined) {
    await applyMigrations(settings.databaseUrl, logger)
    return 0
  }
  const embedded = await startEmbeddedPostgres(settings.dataDir)
  try {
    await applyMigrations(embedded.url, logger)
  } finally {
    await embedded.stop()
  }
  return 0
}
