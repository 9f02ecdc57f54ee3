import t from 'tap'
import {
  NO_FILTERS,
  openSchemaEngine,
  readMigrationList,
} from '../../src/persistence/schema-engine.ts'
import { pendingMigrations, unappliedMigrations } from '../../src/persistence/migrations.ts'
import { createTestDatabase } from '../helpers/test-database.ts'

t.test('migrated database matches schema.prisma', async (t) => {
  const db = await createTestDatabase(t)
  const handle = await openSchemaEngine(db.url)
  t.teardown(() => handle.close())

  const result = await handle.engine.diff({
    // schemaDatasource: the live database the engine is connected to.
    from: {
      tag: 'schemaDatasource',
      files: [{ path: 'schema.prisma', content: handle.schema }],
      configDir: '.',
    },
    to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: handle.schema }] },
    script: true,
    exitCode: true,
    filters: NO_FILTERS,
  })
  t.equal(result.exitCode, 0, `schema.prisma and the migrated database differ:\n${result.stdout}`)
})

t.test('migrations folder matches schema.prisma', async (t) => {
  const db = await createTestDatabase(t)
  const handle = await openSchemaEngine(db.url)
  t.teardown(() => handle.close())

  // The engine replays the migrations in a temporary shadow database.
  const result = await handle.engine.diff({
    from: { tag: 'migrations', ...(await readMigrationList()) },
    to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: handle.schema }] },
    script: true,
    exitCode: true,
    filters: NO_FILTERS,
  })
  t.equal(
    result.exitCode,
    0,
    `schema.prisma has changes without a migration; run npm run migration:create:\n${result.stdout}`,
  )
})

t.test('applied migrations are recorded like the Prisma CLI does', async (t) => {
  const db = await createTestDatabase(t)
  const rows = await db.pool.query<{
    migration_name: string
    finished_at: Date | null
    checksum: string
  }>('SELECT migration_name, finished_at, checksum FROM _prisma_migrations ORDER BY migration_name')
  const folders = (await readMigrationList()).migrationDirectories.map(
    (directory) => directory.path,
  )
  t.same(
    rows.rows.map((row) => row.migration_name),
    folders,
  )
  for (const row of rows.rows) {
    t.ok(row.finished_at, `${row.migration_name} finished`)
    t.match(row.checksum, /^[0-9a-f]{64}$/, `${row.migration_name} has a SHA-256 checksum`)
  }
  t.same(await pendingMigrations(db.url), [])
  t.same(await unappliedMigrations(db.pool), [], 'the check without the engine agrees')
})

t.test('check without the engine finds missing migrations', async (t) => {
  const db = await createTestDatabase(t)
  const folders = (await readMigrationList()).migrationDirectories.map(
    (directory) => directory.path,
  )
  const last = folders.at(-1) as string
  await db.pool.query('DELETE FROM _prisma_migrations WHERE migration_name = $1', [last])
  t.same(await unappliedMigrations(db.pool), [last], 'a migration never recorded')
  t.same(await pendingMigrations(db.url), [last], 'as the engine finds')

  const first = folders[0] as string
  await db.pool.query(
    'UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = $1',
    [first],
  )
  t.same(await unappliedMigrations(db.pool), [first, last], 'a migration that did not finish')

  await db.pool.query('DROP TABLE _prisma_migrations')
  t.same(await unappliedMigrations(db.pool), folders, 'a database never migrated')
})

t.test('drift check notices a changed database', async (t) => {
  const db = await createTestDatabase(t)
  await db.pool.query('ALTER TABLE "Otec" DROP COLUMN "name"')
  const handle = await openSchemaEngine(db.url)
  t.teardown(() => handle.close())

  const result = await handle.engine.diff({
    from: {
      tag: 'schemaDatasource',
      files: [{ path: 'schema.prisma', content: handle.schema }],
      configDir: '.',
    },
    to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: handle.schema }] },
    script: true,
    exitCode: true,
    filters: NO_FILTERS,
  })
  t.equal(result.exitCode, 2)
  t.match(result.stdout, /ADD COLUMN\s+"name"/)
})
