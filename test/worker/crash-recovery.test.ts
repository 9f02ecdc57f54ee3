// Kill -9 at the worst moments, with real processes on one PostgreSQL.

import t, { type Test } from 'tap'
import { freePort, startGatewayProcess, waitForOutput } from '../helpers/gateway-process.ts'
import { nextTestRut, TEST_ENCRYPTION_KEYS } from '../helpers/gateway.ts'
import { loginOverHttp } from '../helpers/http-login.ts'
import { createTestDatabase } from '../helpers/test-database.ts'
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts'
import { createOtec } from '../../src/otecs/create-otec.ts'
import { createSecretBox } from '../../src/security/secret-box.ts'

async function setUp(t: Test, respond?: Parameters<typeof startWebhookReceiver>[1]) {
  const db = await createTestDatabase(t)
  db.pool.on('error', () => {})
  const receiver = await startWebhookReceiver(t, respond)
  const created = await createOtec(db.prisma, createSecretBox(TEST_ENCRYPTION_KEYS), {
    rut: nextTestRut(),
    name: 'OTEC de prueba',
    environment: 'test',
    senceToken: '12345678-1234-1234-1234-123456789',
    webhookUrl: receiver.url,
    returnOrigins: ['https://lms.example.cl'],
  })
  receiver.secrets = [created.webhookSecret as string]
  const port = await freePort()
  const environment = {
    DATABASE_URL: db.url,
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    PORT: String(port),
    SENCE_SIMULATOR: 'on',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: '1',
    WEBHOOK_RETRY_DELAYS: '1,1,1',
    WEBHOOK_TIMEOUT_MS: '2000',
  }
  return { db, receiver, apiKey: created.apiKey, base: `http://localhost:${port}`, environment }
}

function spawn(t: Test, args: string[], environment: Record<string, string>) {
  const child = startGatewayProcess(args, environment)
  t.teardown(() => child.child.kill('SIGKILL'))
  return child
}

t.test('server killed right after answering a callback', async (t) => {
  const { db, receiver, apiKey, base, environment } = await setUp(t)
  const server = spawn(t, ['serve', '--no-worker'], environment)
  await waitForOutput(server, (out) => out.includes('sence-gateway listening'))

  const { sessionId, callback } = await loginOverHttp(base, apiKey, 'https://lms.example.cl/back')
  t.equal(callback.status, 303, 'the callback was answered')
  server.child.kill('SIGKILL')
  await server.exited
  t.equal(receiver.received.length, 0, 'nothing sent before the crash')

  const restarted = spawn(t, ['serve'], environment)
  await receiver.waitFor((received) => received.length >= 1)
  const [webhook] = receiver.received
  t.equal(webhook?.payload.type, 'session.started')
  t.equal(webhook?.payload.data['id'], sessionId)
  t.ok(webhook?.verified, 'standardwebhooks verifies it')
  const delivery = await db.prisma.webhookDelivery.findFirstOrThrow({
    where: { event: { sessionId } },
  })
  t.equal(delivery.eventId, webhook?.webhookId)
  restarted.child.kill('SIGTERM')
  t.equal(await restarted.exited, 0, 'SIGTERM stops serve and its worker cleanly')
})

t.test('worker killed in the middle of an attempt', async (t) => {
  const { db, receiver, apiKey, base, environment } = await setUp(t, (request) =>
    request.index === 0 ? { status: 200, delayMs: 30_000 } : { status: 200 },
  )
  const server = spawn(t, ['serve', '--no-worker'], environment)
  await waitForOutput(server, (out) => out.includes('sence-gateway listening'))
  const worker = spawn(t, ['worker'], environment)
  await waitForOutput(worker, (out) => out.includes('webhook worker started'))

  const { sessionId } = await loginOverHttp(base, apiKey)
  await receiver.waitFor((received) => received.length === 1)
  worker.child.kill('SIGKILL')
  await worker.exited

  const stuck = await db.prisma.webhookDelivery.findFirstOrThrow({
    where: { event: { sessionId } },
  })
  t.equal(stuck.status, 'pending', 'the attempt was never recorded')
  t.not(stuck.leaseExpiresAt, null, 'the dead worker still holds the lease')
  // Restart once the lease has run out, so the new worker's first sweep finds the delivery.
  await new Promise((resolve) =>
    setTimeout(resolve, Math.max(0, (stuck.leaseExpiresAt?.getTime() ?? 0) - Date.now() + 500)),
  )
  const second = spawn(t, ['worker'], environment)
  await receiver.waitFor((received) => received.length === 2, 30_000)

  const [first, again] = receiver.received
  t.equal(again?.webhookId, first?.webhookId, 'the same webhook-id after the restart')
  t.ok(again?.verified)
  // The receiver has the request; the worker records the attempt right after it.
  let delivered = await db.prisma.webhookDelivery.findFirstOrThrow({
    where: { event: { sessionId } },
  })
  for (let waited = 0; delivered.status === 'pending' && waited < 10_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    delivered = await db.prisma.webhookDelivery.findFirstOrThrow({
      where: { event: { sessionId } },
    })
  }
  t.equal(delivered.status, 'succeeded', 'nothing stays stuck')
  t.equal(delivered.attemptCount, 1, 'the killed attempt left no record, the new one did')
  second.child.kill('SIGTERM')
  server.child.kill('SIGTERM')
  t.equal(await second.exited, 0)
  t.equal(await server.exited, 0)
})
