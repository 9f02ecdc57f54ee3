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
