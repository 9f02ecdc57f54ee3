// Test databases on a real PostgreSQL: each test file gets its own database,
// copied from a template that test/setup/prepare-template.ts migrates once
// per run, and dropped when the file's tests end.

import { createHash, randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { connectDatabase, type Database } from '../../src/persistence/database.ts'

/** A role with CREATEDB on the local PostgreSQL, as .ci/run creates it. */
export const TEST_ADMIN_URL =
  process.env['TEST_DATABASE_URL'] ??
  'postgresql://sence_gateway:sence_gateway@127.0.0.1:5432/postgres'

/**
 * The template's name includes a hash of this checkout's path, so that two
 * checkouts (with different migrations) can run their suites at once on
 * one PostgreSQL.
 */
export const TEMPLATE_DATABASE = `sg_template_${createHash('sha256')
  .update(fileURLToPath(new URL('../../', import.meta.url)))
  .digest('hex')
  .slice(0, 12)}`

/** Returns the URL of a database on the test server. */
export function databaseUrl(name: string): string {
  const url = new URL(TEST_ADMIN_URL)
  url.pathname = `/${name}`
  return url.href
}

export async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_ADMIN_URL })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

interface Teardown {
  teardown(fn: () => unknown): void
}

/** Creates a migrated database for one test file, dropped at teardown. */
export async function createTestDatabase(
  t: Teardown,
  options: { poolMax?: number } = {},
): Promise<Database> {
  const name = `sg_test_${randomBytes(6).toString('hex')}`
  await withAdminClient((client) =>
    client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`),
  )
  const db = connectDatabase(databaseUrl(name), options.poolMax ?? 5)
  t.teardown(async () => {
    await db.close()
    await withAdminClient(async (client) => {
      await waitForDisconnection(client, name)
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    })
  })
  return db
}

/**
 * Waits until the server has no connection left to a database, for up to
 * two seconds. pg's pool.end() resolves before its connections have
 * closed, and a DROP ... WITH (FORCE) that terminates one of them makes it
 * emit an error that fails whichever test runs next.
 */
async function waitForDisconnection(client: pg.Client, database: string): Promise<void> {
  const deadline = Date.now() + 2000
  while (Date.now() < deadline) {
    const result = await client.query(
      'SELECT count(*)::int AS connections FROM pg_stat_activity WHERE datname = $1',
      [database],
    )
    if (result.rows[0].connections === 0) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
