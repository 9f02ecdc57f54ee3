import { startEmbeddedPostgres } from './src/persistence/embedded-postgres.ts'
import { applyMigrations, pendingMigrations } from './src/persistence/migrations.ts'
const t0 = Date.now()
const pg = await startEmbeddedPostgres('/tmp/exp/data')
console.log('started', Date.now() - t0, pg.url)
const logger = { info: (f: object, m: string) => console.log(m, f), debug: () => {} }
console.log(await applyMigrations(pg.url, logger), Date.now() - t0)
console.log('pending', await pendingMigrations(pg.url))
await pg.stop()
console.log('stopped', Date.now() - t0)
