import type pg from 'pg'
import { NO_FILTERS, openSchemaEngine, readMigrationList } from './schema-engine.ts'

export interface MigrationLogger {
  info(fields: object, message: string): void
  debug(fields: object, message: string): void
}

/**
 * Applies the pending migrations of prisma/migrations and records them in
 * `_prisma_migrations`, as `prisma migrate deploy` does. Returns the names
 * of the migrations it applied. Safe to run from several processes at once:
 * the engine takes a PostgreSQL advisory lock for the duration.
 */
export async function applyMigrations(
  databaseUrl: string,
  logger: MigrationLogger,
): Promise<string[]> {
  const handle = await openSchemaEngine(databaseUrl, (line) =>
    logger.debug({ engine: line }, 'schema engine'),
  )
  try {
    const migrationsList = await readMigrationList()
    const { appliedMigrationNames } = await handle.engine.applyMigrations({
      migrationsList,
      filters: NO_FILTERS,
    })
    logger.info(
      { applied: appliedMigrationNames, known: migrationsList.migrationDirectories.length },
      appliedMigrationNames.length > 0 ? 'migrations applied' : 'database schema is up to date',
    )
    return appliedMigrationNames
  } finally {
    await handle.close()
  }
}

/**
 * Returns the names of migrations in prisma/migrations that the database has
 * not applied yet (empty when it is up to date).
 */
export async function pendingMigrations(databaseUrl: string): Promise<string[]> {
  const handle = await openSchemaEngine(databaseUrl)
  try {
    const migrationsList = await readMigrationList()
    const result = await handle.engine.diagnoseMigrationHistory({
      migrationsList,
      optInToShadowDatabase: false,
      filters: NO_FILTERS,
    })
    const history = result.history
    if (history === null) return []
    if (history.diagnostic === 'databaseIsBehind') return history.unappliedMigrationNames
    if (history.diagnostic === 'historiesDiverge') return history.unappliedMigrationNames
    return []
  } finally {
    await handle.close()
  }
}

/**
 * Returns the names of migrations in prisma/migrations that
 * `_prisma_migrations` does not record as finished, without the schema
 * engine: the check of `serve` and `worker` at start. pendingMigrations
 * asks the engine, whose WebAssembly stays resident for the life of the
 * process (about 25 MB); this reads one table. It does not compare
 * checksums, so an applied migration edited afterwards goes unnoticed
 * here (`sence-gateway migrate` reports it).
 */
export async function unappliedMigrations(pool: pg.Pool): Promise<string[]> {
  const folders = (await readMigrationList()).migrationDirectories.map(
    (directory) => directory.path,
  )
  const table = await pool.query<{ exists: boolean }>(
    `SELECT to_regclass('_prisma_migrations') IS NOT NULL AS "exists"`,
  )
  if (table.rows[0]?.exists !== true) return folders
  const applied = await pool.query<{ migration_name: string }>(
    `SELECT migration_name FROM _prisma_migrations
      WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  )
  const names = new Set(applied.rows.map((row) => row.migration_name))
  return folders.filter((folder) => !names.has(folder))
}
