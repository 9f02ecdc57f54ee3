// Kill -9 at the worst moments, with real processes on one PostgreSQL.

import t, { type Test } from 'tap'
import { freePort, startGatewayProcess, waitForOutput } from '../helpers/gateway-process.ts'
import { nextTestRut, TEST_ENCRYPTION_KEYS } from '../helpers/gateway.ts'
import { loginOverHttp } from '../helpers/http-login.ts'
import { createTestDatabase } from '../helpers/test-database.ts'
import { createOtecWithWebhook, recordStartedEvent } from '../helpers/webhook-events.ts'
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { createOtec } from '../../src/otecs/create-otec.ts'
import { createSecretBox } from '../../src/security/secret-box.ts'
import { startDeliveryQueue } from '../../src/webhooks/delivery-queue.ts'

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

t.test('worker killed beside a slow receiver', async (t) => {
  const db = await createTestDatabase(t)
  db.pool.on('error', () => {})
  const secrets = createSecretBox(TEST_ENCRYPTION_KEYS)
  // The slow receiver responds long after the attempt timeout.
  const slowReceiver = await startWebhookReceiver(t, () => ({ status: 200, delayMs: 60_000 }))
  const fastReceiver = await startWebhookReceiver(t, () => ({ status: 204 }))
  const otecOf = (webhookUrl: string) => createOtecWithWebhook(db.prisma, secrets, webhookUrl)
  const slowOtec = await otecOf(slowReceiver.url)
  const fastOtec = await otecOf(fastReceiver.url)
  fastReceiver.secrets = [fastOtec.webhookSecret as string]

  const queue = await startDeliveryQueue(db, createLogger('silent'), {
    supervise: false,
    leaseSeconds: 20,
    longestWaitSeconds: 60,
  })
  t.teardown(() => queue.stop())
  const record = (otecId: string, n: number) => recordStartedEvent(db.prisma, queue, otecId, n)
  // The slow OTEC's events are spread among the fast one's, as in a busy gateway.
  const FAST_EVENTS = 60
  const SLOW_EVENTS = 6
  for (let i = 0; i < FAST_EVENTS; i += 1) {
    if (i % (FAST_EVENTS / SLOW_EVENTS) === 0) await record(slowOtec.otec.id, i)
    await record(fastOtec.otec.id, i)
  }

  const environment = {
    DATABASE_URL: db.url,
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    WEBHOOK_ALLOW_PRIVATE_TARGETS: '1',
    WEBHOOK_TIMEOUT_MS: '6000',
    PORT: '0',
  }
  const worker = spawn(t, ['worker'], environment)
  await waitForOutput(worker, (out) => out.includes('webhook worker started'))
  await fastReceiver.waitFor((received) => received.length >= FAST_EVENTS, 20_000)
  await slowReceiver.waitFor((received) => received.length >= 1, 20_000)
  const fastArrivedAt = Date.now()

  // Every finished attempt is recorded moments after it ends, not when the
  // slow receiver's attempts time out 6 s after they started.
  const fastDeliveries = { endpoint: { otecId: fastOtec.otec.id } }
  let recorded = 0
  while (Date.now() - fastArrivedAt < 3000) {
    recorded = await db.prisma.webhookDelivery.count({
      where: { ...fastDeliveries, status: 'succeeded' },
    })
    if (recorded === FAST_EVENTS) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.equal(recorded, FAST_EVENTS, 'the fast deliveries are recorded within 3 s of arriving')
  const inFlight = await db.prisma.webhookDelivery.findMany({
    where: { endpoint: { otecId: slowOtec.otec.id }, attemptCount: 0 },
  })
  t.ok(inFlight.length > 0, 'some attempts to the slow receiver are still in flight')

  worker.child.kill('SIGKILL')
  await worker.exited
  const slowSentBeforeCrash = slowReceiver.received.length
  const stuck = await db.prisma.webhookDelivery.findMany({
    where: { endpoint: { otecId: slowOtec.otec.id }, status: 'pending', attemptCount: 0 },
  })
  const leaseEnds = Math.max(...stuck.map((delivery) => delivery.leaseExpiresAt?.getTime() ?? 0))
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, leaseEnds - Date.now() + 500)))

  // The restarted worker sends the unrecorded attempts again, and only those.
  const second = spawn(t, ['worker'], environment)
  await slowReceiver.waitFor(
    (received) => received.length >= slowSentBeforeCrash + stuck.length,
    30_000,
  )
  await new Promise((resolve) => setTimeout(resolve, 1000))
  const perId = new Map<string, number>()
  for (const request of fastReceiver.received)
    perId.set(request.webhookId, (perId.get(request.webhookId) ?? 0) + 1)
  t.equal(perId.size, FAST_EVENTS, 'every fast webhook arrived')
  t.same([...new Set(perId.values())], [1], 'none was sent again after the crash')
  t.ok(
    fastReceiver.received.every((request) => request.verified),
    'standardwebhooks verifies all',
  )
  t.equal(
    await db.prisma.webhookDelivery.count({
      where: { ...fastDeliveries, status: 'succeeded', attemptCount: 1 },
    }),
    FAST_EVENTS,
    'one recorded attempt each',
  )
  // It cuts the slow receiver's attempts short and releases them, then stops.
  second.child.kill('SIGTERM')
  t.equal(await second.exited, 0, 'the second worker stops cleanly')
  const released = await db.prisma.webhookDelivery.findMany({
    where: { endpoint: { otecId: slowOtec.otec.id } },
  })
  t.ok(
    released.every((delivery) => delivery.status === 'pending'),
    'the slow deliveries stay pending',
  )
  t.ok(
    released.every((delivery) => delivery.leaseExpiresAt === null),
    'with their leases released for another worker',
  )
})
