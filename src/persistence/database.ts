import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts'
import { PrismaClient } from './generated/client.ts'

export type { PrismaClient }
export { Prisma } from './generated/client.ts'

/** A transaction client: what `prisma.$transaction(async (tx) => ...)` passes. */
export type Transaction = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0]

export interface Database {
  prisma: PrismaClient
  /** The pg pool behind Prisma, shared with pg-boss. */
  pool: pg.Pool
  /** Where the database is: DATABASE_URL, or the embedded PGlite's socket. */
  url: string
  embedded: boolean
  close(): Promise<void>
}

export interface DatabaseOptions {
  /** Unset for the embedded PGlite under dataDir. */
  databaseUrl: string | undefined
  dataDir: string
  poolMax: number
}

/**
 * Opens the database: PostgreSQL at databaseUrl, or the embedded PGlite.
 * Migrations are not applied here; see migrations.ts.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined
  let url = options.databaseUrl
  if (url === undefined) {
    embedded = await startEmbeddedPostgres(options.dataDir)
    url = embedded.url
  }

  // One connection to PGlite, which runs one query at a time anyway and
  // cannot keep two connections' statements apart (see embedded-postgres.ts).
  const pool = new pg.Pool({
    connectionString: url,
    max: embedded === undefined ? options.poolMax : 1,
  })
  const prisma = newPrismaClient(pool)

  return {
    prisma,
    pool,
    url,
    embedded: embedded !== undefined,
    close: async () => {
      await prisma.$disconnect()
      if (!pool.ended) await pool.end()
      await embedded?.stop()
    },
  }
}

/** Opens a database that is already migrated elsewhere: PostgreSQL only. Used by tests and tools. */
export function connectDatabase(url: string, poolMax = 5): Database {
  const pool = new pg.Pool({ connectionString: url, max: poolMax })
  const prisma = newPrismaClient(pool)
  return {
    prisma,
    pool,
    url,
    embedded: false,
    close: async () => {
      await prisma.$disconnect()
      if (!pool.ended) await pool.end()
    },
  }
}

/**
 * Prisma's client over a pg pool. `errorFormat: 'minimal'` skips the stack
 * trace Prisma otherwise captures on every query to point its error
 * messages at the calling line, which cost 2 to 3.5% of the gateway's CPU
 * under load (`npm run bench -- --profile`).
 */
function newPrismaClient(pool: pg.Pool): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg(pool), errorFormat: 'minimal' })
}
