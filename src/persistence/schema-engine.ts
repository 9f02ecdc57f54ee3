// Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm),
// driven through @prisma/adapter-pg. The Prisma CLI's migrate commands need a
// native engine that is downloaded at install time; this one ships on npm,
// so migrations can be written and applied wherever npm works, on
// PostgreSQL and on the embedded PGlite alike.

import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { parseIntoClientConfig } from 'pg-connection-string'
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils'
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm'

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const SCHEMA_PATH = path.join(PROJECT_ROOT, 'prisma', 'schema.prisma')
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'prisma', 'migrations')

/** Tables and enums outside the schema engine's view: none, pg-boss keeps its own schema. */
export const NO_FILTERS = { externalTables: [], externalEnums: [] }

type EngineModule = typeof import('@prisma/schema-engine-wasm')

// Node provides WebAssembly as a global; @types/node 24 does not declare it.
declare const WebAssembly: {
  instantiate(
    bytes: Uint8Array,
    imports: object,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>
}

let engineModule: Promise<EngineModule> | undefined

/**
 * Loads the engine's JavaScript glue and instantiates its WebAssembly once
 * per process. The package exports only the glue module, so the .wasm file
 * is found next to it.
 */
function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    const glueUrl = import.meta.resolve('@prisma/schema-engine-wasm/schema_engine_bg')
    const glue = await import(glueUrl)
    const wasmBytes = await readFile(new URL('schema_engine_bg.wasm', glueUrl))
    const { instance } = await WebAssembly.instantiate(wasmBytes, { './schema_engine_bg.js': glue })
    glue.__wbg_set_wasm(instance.exports)
    const start = instance.exports['__wbindgen_start']
    if (typeof start === 'function') start()
    return glue as EngineModule
  })()
  return engineModule
}

/** PostgreSQL's internal one-byte `"char"` type and `text`, by type OID. */
const CHAR_OID = 18
const TEXT_OID = 25

/**
 * A pg client that reports `"char"` columns as text. The engine reads
 * catalog columns of that type (pg_class.relkind and the like) when it
 * describes a database, and @prisma/adapter-pg 7.10 rejects the type
 * ("Column type 'char' could not be deserialized"); pg already returns
 * its values as strings.
 */
class CharAsTextClient extends pg.Client {
  // @ts-expect-error: one override for query's many overloads.
  override query(...args: unknown[]): unknown {
    const callbackIndex = args.findIndex((arg) => typeof arg === 'function')
    if (callbackIndex !== -1) {
      const callback = args[callbackIndex] as (error: Error | null, result?: pg.QueryResult) => void
      args[callbackIndex] = (error: Error | null, result?: pg.QueryResult) =>
        callback(error, result === undefined ? result : reportCharAsText(result))
    }
    const returned = (super.query as (...queryArgs: unknown[]) => unknown)(...args)
    if (returned instanceof Promise) return returned.then(reportCharAsText)
    return returned
  }
}

function reportCharAsText(result: pg.QueryResult): pg.QueryResult {
  for (const field of result.fields ?? []) {
    if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID
  }
  return result
}

/**
 * PrismaPg that remembers the shadow databases it creates, so that they can
 * be dropped after the engine is done: the engine does not dispose them, and
 * the adapter's own dispose drops the database while its pool is still
 * connected to it.
 */
class ShadowTrackingPrismaPg extends PrismaPg {
  private readonly shadowPools: pg.Pool[] = []

  override async connect() {
    return sendScriptsWhole(await super.connect())
  }

  override async connectToShadowDb() {
    const adapter = sendScriptsWhole(await super.connectToShadowDb())
    this.shadowPools.push(adapter.underlyingDriver() as pg.Pool)
    return adapter
  }

  async dropShadowDatabases(databaseUrl: string): Promise<void> {
    for (const pool of this.shadowPools.splice(0)) {
      const database = pool.options.database
      if (!pool.ended) await pool.end()
      const client = new pg.Client(parseIntoClientConfig(databaseUrl))
      await client.connect()
      try {
        await client.query(
          `DROP DATABASE IF EXISTS "${String(database).replaceAll('"', '""')}" WITH (FORCE)`,
        )
      } finally {
        await client.end()
      }
    }
  }
}

type PgAdapter = Awaited<ReturnType<PrismaPg['connect']>>

/**
 * Makes an adapter send each migration script to PostgreSQL as one simple
 * query, as the Prisma CLI does. @prisma/adapter-pg 7.10 splits the script
 * on every `;`, which breaks migrations with a semicolon in a comment, a
 * string or a PL/pgSQL function body.
 */
function sendScriptsWhole(adapter: PgAdapter): PgAdapter {
  const pool = adapter.underlyingDriver()
  // onError turns a pg error into the DriverAdapterError the engine expects.
  const reportError = (adapter as unknown as { onError(error: unknown): never }).onError.bind(
    adapter,
  )
  adapter.executeScript = async (script: string) => {
    try {
      await pool.query(script)
    } catch (error) {
      reportError(error)
    }
  }
  return adapter
}

export interface EngineHandle {
  engine: SchemaEngine
  schema: string
  close(): Promise<void>
}

/**
 * Starts a schema engine connected to a database. Engine log lines go to
 * `log`, one JSON string each.
 */
export async function openSchemaEngine(
  databaseUrl: string,
  log: (line: string) => void = () => {},
): Promise<EngineHandle> {
  const glue = await loadEngineModule()
  const schema = await readFile(SCHEMA_PATH, 'utf8')
  // A plain config, not a connection string or a pg.Pool, because
  // @prisma/adapter-pg 7.10 copies it to reach the shadow database under
  // another database name, which a connection string would override and a
  // Pool's copy would lack the password for. The engine never disposes the
  // adapter, so its idle connection closes itself after a second.
  const adapterFactory = new ShadowTrackingPrismaPg({
    ...parseIntoClientConfig(databaseUrl),
    max: 1,
    Client: CharAsTextClient as unknown as typeof pg.Client,
    idleTimeoutMillis: 1000,
    allowExitOnIdle: true,
  })
  const engine = await glue.SchemaEngine.new(
    { datamodels: [['schema.prisma', schema]] },
    log,
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  )
  return {
    engine,
    schema,
    close: async () => {
      engine.free()
      await adapterFactory.dropShadowDatabases(databaseUrl)
    },
  }
}

/**
 * Reads prisma/migrations the way the Prisma CLI does: every folder's
 * migration.sql, sorted by folder name, and migration_lock.toml.
 */
export async function readMigrationList(
  directory: string = MIGRATIONS_DIR,
): Promise<MigrationList> {
  const lockPath = 'migration_lock.toml'
  const lockContent = await readFile(path.join(directory, lockPath), 'utf8').catch(() => null)
  const entries = await readdir(directory, { withFileTypes: true }).catch(() => [])
  const folders = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b))

  const migrationDirectories = await Promise.all(
    folders.map(async (folder) => {
      const content = await readFile(path.join(directory, folder, 'migration.sql'), 'utf8')
        .then((value) => ({ tag: 'ok' as const, value }))
        .catch((error: Error) => ({ tag: 'error' as const, value: error.message }))
      return { path: folder, migrationFile: { path: 'migration.sql', content } }
    }),
  )

  return {
    baseDir: directory,
    lockfile: { path: lockPath, content: lockContent },
    migrationDirectories,
    shadowDbInitScript: '',
  }
}
