import t from 'tap'
import { createOtec } from '../../src/otecs/create-otec.ts'
import { createSecretBox } from '../../src/security/secret-box.ts'
import { DELIVERY_QUEUE_NAME, startDeliveryQueue } from '../../src/webhooks/delivery-queue.ts'
import { recordWebhookEvent } from '../../src/webhooks/record-event.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { freePort, startGatewayProcess, waitForOutput } from '../helpers/gateway-process.ts'
import { nextTestRut, TEST_ENCRYPTION_KEYS } from '../helpers/gateway.ts'
import { createTestDatabase } from '../helpers/test-database.ts'
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts'

// More deliveries than one worker takes at once (100 jobs), so that both
// workers find some.
const EVENTS = 250

t.test('two workers deliver each event once', async (t) => {
  const db = await createTestDatabase(t)
  db.pool.on('error', () => {})
  // Slow answers keep the first worker's batches busy while the other polls.
  const receiver = await startWebhookReceiver(t, () => ({ status: 200, delayMs: 1000 }))
  const otec = await createOtec(db.prisma, createSecretBox(TEST_ENCRYPTION_KEYS), {
    rut: nextTestRut(),
    name: 'OTEC de prueba',
    environment: 'test',
    senceToken: '12345678-1234-1234-1234-123456789',
    webhookUrl: receiver.url,
  })
  receiver.secrets = [otec.webhookSecret as string]

  const environment = {
    DATABASE_URL: db.url,
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    WEBHOOK_ALLOW_PRIVATE_TARGETS: '1',
    WEBHOOK_TIMEOUT_MS: '5000',
    LOG_LEVEL: 'info',
  }
  // Each delivery gets its job in the event's transaction, plus two more
  // without the singleton key, as if the queue delivered it three times.
  const queue = await startDeliveryQueue(db, createLogger('silent'), {
    supervise: false,
    leaseSeconds: 15,
    longestWaitSeconds: 60,
  })
  t.teardown(() => queue.stop())
  for (let i = 0; i < EVENTS; i += 1) {
    const recorded = await db.prisma.$transaction((tx) =>
      recordWebhookEvent(
        tx,
        { otecId: otec.otec.id, sessionId: null, type: 'session.started', data: { n: i } },
        queue,
      ),
    )
    for (const deliveryId of recorded.deliveryIds)
      for (let copy = 0; copy < 2; copy += 1)
        await queue.boss.send(DELIVERY_QUEUE_NAME, { deliveryId })
  }

  // Both workers start with every job waiting.
  const workers = [0, 1].map(() => {
    const worker = startGatewayProcess(['worker'], { ...environment, PORT: '0' })
    t.teardown(() => worker.child.kill('SIGKILL'))
    return worker
  })
  for (const worker of workers)
    await waitForOutput(worker, (out) => out.includes('webhook worker started'))

  await receiver.waitFor((received) => received.length >= EVENTS, 60_000)
  await new Promise((resolve) => setTimeout(resolve, 2000))

  const perId = new Map<string, number>()
  for (const request of receiver.received)
    perId.set(request.webhookId, (perId.get(request.webhookId) ?? 0) + 1)
  t.equal(perId.size, EVENTS, 'every event arrived')
  t.same([...new Set(perId.values())], [1], 'each exactly once')
  t.equal(receiver.maxConcurrentPerId(), 1, 'never two at once')
  t.ok(
    receiver.received.every((request) => request.verified),
    'standardwebhooks verifies all',
  )
  t.equal(
    await db.prisma.webhookDelivery.count({ where: { status: 'succeeded', attemptCount: 1 } }),
    EVENTS,
  )
  const delivered = workers.map((worker) => worker.stdout().split('"webhook delivered"').length - 1)
  t.ok(
    delivered.every((count) => count > 0),
    `both workers delivered (${delivered.join(' and ')})`,
  )

  for (const worker of workers) worker.child.kill('SIGTERM')
  for (const worker of workers) t.equal(await worker.exited, 0, 'worker stops cleanly')
})
