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
    await dropDatabase(name)
  })
  return db
}

/**
 * Drops a test database once its connections are gone. pg's pool.end()
 * resolves before the server has seen every client's Terminate, and
 * DROP ... WITH (FORCE) would kill such a backend with an error the client
 * then reports; so a busy database is retried for a few seconds first.
 */
async function dropDatabase(name: string): Promise<void> {
  await withAdminClient(async (client) => {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name}`)
        return
      } catch (error) {
        // 55006: object_in_use, "database is being accessed by other users".
        if ((error as { code?: string }).code !== '55006') throw error
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  })
}
