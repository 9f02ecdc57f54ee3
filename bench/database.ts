// The bench's own PostgreSQL database on the local server: created empty at
// the start, migrated by `sence-gateway migrate`, dropped at the end.

import { randomBytes } from 'node:crypto'
import pg from 'pg'

/**
 * A role with CREATEDB on the local server. The default is the test suite's
 * role, which .ci/run creates.
 */
export const ADMIN_URL =
  process.env['BENCH_DATABASE_URL'] ??
  process.env['TEST_DATABASE_URL'] ??
  'postgresql://sence_gateway:sence_gateway@127.0.0.1:5432/postgres'

export interface BenchDatabase {
  name: string
  url: string
  /** The server's version string, for the machine record. */
  serverVersion: string
  drop(): Promise<void>
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `sg_bench_${randomBytes(6).toString('hex')}`
  const serverVersion = await withAdminClient(async (client) => {
    await client.query(`CREATE DATABASE ${name}`)
    const result = await client.query<{ server_version: string }>('SHOW server_version')
    return result.rows[0]?.server_version ?? 'unknown'
  }).catch((error: unknown) => {
    throw new Error(
      `could not create the bench database on ${redactPassword(ADMIN_URL)}: ${(error as Error).message}. ` +
        'Start the local PostgreSQL and give BENCH_DATABASE_URL a role with CREATEDB.',
    )
  })
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return {
    name,
    url: url.href,
    serverVersion,
    drop: () =>
      withAdminClient((client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      ).then(() => undefined),
  }
}

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

function redactPassword(url: string): string {
  const parsed = new URL(url)
  if (parsed.password !== '') parsed.password = '***'
  return parsed.href
}
