// The embedded default: PostgreSQL as WebAssembly (PGlite 0.5, PostgreSQL 18)
// in this process, its data under DATA_DIR, served over a Unix socket by
// @electric-sql/pglite-socket so that Prisma, pg-boss and the migration
// engine reach it through the same pg driver as a real server.

import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

/**
 * PGlite runs one query at a time. pglite-socket queues the connections'
 * messages and keeps a transaction's connection alone until it ends, but
 * between transactions it may interleave the messages of two connections'
 * extended-protocol queries. The gateway therefore opens one connection at
 * a time to it (a pool of one, see database.ts); the extra slots are for the
 * migration engine, whose connection may linger idle for a second.
 */
const SOCKET_MAX_CONNECTIONS = 4

/** A Unix socket path must fit in sockaddr_un (108 bytes on Linux). */
const MAX_SOCKET_PATH_LENGTH = 100

export interface EmbeddedPostgres {
  /** A postgresql:// URL that reaches the socket. */
  url: string
  stop(): Promise<void>
}

/**
 * Starts PGlite on DATA_DIR/pgdata and serves it on a Unix socket readable
 * by this user only. Throws when another process already uses DATA_DIR.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const releaseLock = lockDataDir(dataDir)

  let socketDir = dataDir
  let temporarySocketDir = false
  if (path.join(dataDir, '.s.PGSQL.5432').length > MAX_SOCKET_PATH_LENGTH) {
    socketDir = mkdtempSync(path.join(os.tmpdir(), 'sence-gateway-'))
    temporarySocketDir = true
  }
  const socketPath = path.join(socketDir, '.s.PGSQL.5432')
  rmSync(socketPath, { force: true })

  const db = await PGlite.create(path.join(dataDir, 'pgdata'))
  const server = new PGLiteSocketServer({
    db,
    path: socketPath,
    maxConnections: SOCKET_MAX_CONNECTIONS,
  })
  await server.start()

  return {
    url: `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`,
    stop: async () => {
      await server.stop()
      await db.close()
      rmSync(socketPath, { force: true })
      if (temporarySocketDir) rmSync(socketDir, { recursive: true, force: true })
      releaseLock()
    },
  }
}

/**
 * Takes DATA_DIR/gateway.pid, so that two processes never open one PGlite
 * data folder: PGlite has no locking of its own and would corrupt it. A
 * lock left by a process that no longer runs is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockPath = path.join(dataDir, 'gateway.pid')
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const descriptor = openSync(lockPath, 'wx', 0o600)
      writeSync(descriptor, String(process.pid))
      closeSync(descriptor)
      return () => rmSync(lockPath, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = Number(readFileSync(lockPath, 'utf8').trim())
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isRunning(owner)) {
        throw new Error(
          `the embedded database in ${dataDir} is in use by process ${owner}; ` +
            'stop that process, or give this one another DATA_DIR or a DATABASE_URL',
        )
      }
      rmSync(lockPath, { force: true })
    }
  }
  throw new Error(`could not lock ${lockPath}; remove it if no sence-gateway process is running`)
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
