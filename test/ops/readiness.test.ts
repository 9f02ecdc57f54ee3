import t from 'tap'
import { buildApp } from '../../src/http/app.ts'
import {
  registerBackgroundTask,
  unregisterBackgroundTask,
} from '../../src/observability/background-tasks.ts'
import { connectDatabase } from '../../src/persistence/database.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { freePort } from '../helpers/gateway-process.ts'

async function readyz(gateway: { app: TestGateway['app'] }) {
  const response = await gateway.app.inject({ method: 'GET', url: '/readyz' })
  return { statusCode: response.statusCode, body: response.json() }
}

t.test('healthz answers without the database', async (t) => {
  const gateway = await startTestGateway(t)
  const response = await gateway.app.inject({ method: 'GET', url: '/healthz' })
  t.equal(response.statusCode, 200)
  t.same(response.json(), { status: 'ok' })
})

t.test('readyz ready on a migrated database', async (t) => {
  const gateway = await startTestGateway(t)
  const { statusCode, body } = await readyz(gateway)
  t.equal(statusCode, 200)
  t.equal(body.status, 'ready')
  t.same(body.checks.database, { ok: true })
  t.same(body.checks.migrations, { ok: true })
  t.same(body.checks.backgroundTasks, [])
})

t.test('readyz reports a missing migration', async (t) => {
  const gateway = await startTestGateway(t)
  const { rows } = await gateway.db.pool.query(
    'DELETE FROM _prisma_migrations RETURNING migration_name',
  )
  const { statusCode, body } = await readyz(gateway)
  t.equal(statusCode, 503)
  t.equal(body.status, 'not_ready')
  t.equal(body.checks.database.ok, true)
  t.equal(body.checks.migrations.ok, false)
  t.match(body.checks.migrations.detail, `not applied: ${rows[0].migration_name}`)
  t.match(body.checks.migrations.detail, /sence-gateway migrate/)
  const warning = gateway.logLines.find((line) => line['msg'] === 'gateway not ready')
  t.ok(warning, 'the change is logged')
})

t.test('readyz reports an unfinished migration', async (t) => {
  const gateway = await startTestGateway(t)
  await gateway.db.pool.query('UPDATE _prisma_migrations SET finished_at = NULL')
  const { statusCode, body } = await readyz(gateway)
  t.equal(statusCode, 503)
  t.match(body.checks.migrations.detail, /started but not finished/)
})

t.test('readyz 503 when the database is down', async (t) => {
  const gateway = await startTestGateway(t)
  // A pool aimed at a closed port: every query fails at connect.
  const unreachable = connectDatabase(`postgresql://nobody:x@127.0.0.1:${await freePort()}/none`)
  t.teardown(() => unreachable.close())
  const app = await buildApp({ ...gateway.services, db: unreachable })
  t.teardown(() => app.close())

  const { statusCode, body } = await readyz({ app })
  t.equal(statusCode, 503)
  t.equal(body.checks.database.ok, false)
  t.equal(body.checks.database.detail, 'query failed; the gateway logs the error')
  t.equal(body.checks.migrations.ok, false)
  t.notMatch(JSON.stringify(body), /nobody|ECONNREFUSED/, 'no database message in the body')
  const warning = gateway.logLines.find((line) => line['msg'] === 'gateway not ready')
  t.match(warning?.['databaseError'], /Can't reach database server at 127\.0\.0\.1/)
})

t.test('readyz follows background tasks', async (t) => {
  const gateway = await startTestGateway(t)
  t.teardown(() => unregisterBackgroundTask('webhook-worker'))
  const worker = registerBackgroundTask('webhook-worker', { staleAfterMs: 200 })

  let result = await readyz(gateway)
  t.equal(result.statusCode, 503, 'starting is not ready')
  t.match(result.body.checks.backgroundTasks, [
    { name: 'webhook-worker', state: 'starting', ok: false },
  ])

  worker.running()
  result = await readyz(gateway)
  t.equal(result.statusCode, 200)
  t.match(result.body.checks.backgroundTasks, [
    { name: 'webhook-worker', state: 'running', ok: true },
  ])

  await new Promise((resolve) => setTimeout(resolve, 300))
  result = await readyz(gateway)
  t.equal(result.statusCode, 503, 'a silent worker is not ready')
  t.match(result.body.checks.backgroundTasks[0].detail, /no heartbeat for \d+ ms \(limit 200 ms\)/)

  worker.running()
  t.equal((await readyz(gateway)).statusCode, 200, 'a heartbeat restores it')

  worker.failed(new Error('lost the queue connection'))
  result = await readyz(gateway)
  t.equal(result.statusCode, 503)
  t.match(result.body.checks.backgroundTasks, [
    { state: 'failed', detail: 'lost the queue connection' },
  ])

  unregisterBackgroundTask('webhook-worker')
  t.equal((await readyz(gateway)).statusCode, 200, 'no task, nothing to wait for')
})
