import t from 'tap'
import { createOtec } from '../../src/otecs/create-otec.ts'
import { createSecretBox } from '../../src/security/secret-box.ts'
import { nextTestRut, TEST_ENCRYPTION_KEYS } from '../helpers/gateway.ts'
import { startGatewayProcess } from '../helpers/gateway-process.ts'
import { createTestDatabase } from '../helpers/test-database.ts'

t.test('webhook subcommands', async (t) => {
  const db = await createTestDatabase(t)
  db.pool.on('error', () => {})
  const rut = nextTestRut()
  const otec = await createOtec(db.prisma, createSecretBox(TEST_ENCRYPTION_KEYS), {
    rut,
    name: 'OTEC CLI',
    environment: 'test',
    senceToken: '12345678-1234-1234-1234-123456789',
  })
  const environment = { DATABASE_URL: db.url, ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS }
  const run = async (...args: string[]) => {
    const process = startGatewayProcess(['webhook', ...args], environment)
    const code = await process.exited
    return { code, stdout: process.stdout(), stderr: process.stderr() }
  }

  const refused = await run('create', '--otec', rut, '--url', 'http://127.0.0.1:9/hook')
  t.equal(refused.code, 2)
  t.match(refused.stderr, /not a public address \(loopback\)/)

  const created = await run(
    'create',
    '--otec',
    rut,
    '--url',
    'https://8.8.8.8/hook',
    '--event-type',
    'session.closed',
    '--json',
  )
  t.equal(created.code, 0, created.stderr)
  const endpoint = JSON.parse(created.stdout) as {
    id: string
    secret: string
    eventTypes: string[]
  }
  t.match(endpoint.secret, /^whsec_/)
  t.same(endpoint.eventTypes, ['session.closed'])

  const listed = await run('list', '--otec', otec.otec.id)
  t.equal(listed.code, 0)
  t.match(
    listed.stdout,
    new RegExp(`${endpoint.id}  https://8\\.8\\.8\\.8/hook  enabled; session\\.closed`),
  )
  t.notMatch(listed.stdout, /whsec_/, 'no secret in the listing')

  const rotated = await run('rotate-secret', endpoint.id, '--overlap-seconds', '60', '--json')
  t.equal(rotated.code, 0, rotated.stderr)
  t.not(JSON.parse(rotated.stdout).secret, endpoint.secret)

  const tested = await run('test', endpoint.id, '--json')
  t.equal(tested.code, 0, tested.stderr)
  const { deliveryId } = JSON.parse(tested.stdout) as { deliveryId: string }
  const jobs = await db.pool.query(
    `SELECT count(*)::int AS count FROM pgboss.job WHERE singleton_key = $1`,
    [deliveryId],
  )
  t.equal(jobs.rows[0].count, 1, 'the test event was enqueued with its delivery')

  const disabled = await run('disable', endpoint.id)
  t.equal(disabled.code, 0)
  t.match(disabled.stdout, /disabled \(disabled on request\)/)
  const deliveries = await run('deliveries', '--otec', rut, '--status', 'failed')
  t.match(
    deliveries.stdout,
    new RegExp(`${deliveryId}  webhook.test  failed \\(endpoint_disabled\\)`),
  )

  const blocked = await run('redeliver', deliveryId)
  t.equal(blocked.code, 1)
  t.match(blocked.stderr, /is disabled; run "sence-gateway webhook enable/)
  t.equal((await run('enable', endpoint.id)).code, 0)
  const again = await run('redeliver', deliveryId)
  t.equal(again.code, 0, again.stderr)
  t.match(again.stdout, /is due again now/)

  const unknown = await run('frobnicate')
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /unknown webhook subcommand "frobnicate"/)
})
