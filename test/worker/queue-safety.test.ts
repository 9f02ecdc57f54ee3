import t from 'tap'
import { DELIVERY_QUEUE_NAME } from '../../src/webhooks/delivery-queue.ts'
import { recordWebhookEvent } from '../../src/webhooks/record-event.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts'
import {
  FAST_WEBHOOK_SETTINGS,
  startSession,
  startTestWorker,
  waitForSessionDelivery,
} from '../helpers/webhook-worker.ts'

t.test('rolled-back transaction leaves neither change nor event', async (t) => {
  const receiver = await startWebhookReceiver(t)
  const gateway = await startTestGateway(t, {
    environment: FAST_WEBHOOK_SETTINGS,
    otec: { webhookUrl: receiver.url },
  })
  const worker = await startTestWorker(t, gateway)
  const { prisma } = gateway.db
  const session = await prisma.session.create({
    data: {
      otecId: gateway.otec.id,
      environment: 'test',
      rutOtec: '76000001-K',
      runAlumno: '12345678-5',
      codSence: '-1',
      codigoCurso: '-1',
      lineaCapacitacion: 3,
      idSesionAlumno: 'rollback',
      maxDurationMinutes: 60,
      pendingExpiresAt: new Date(Date.now() + 60_000),
      // The history every session starts with, which the suite's teardown checks.
      events: { create: { type: 'intent_created', toStatus: 'pending' } },
    },
  })
  const jobsBefore = await countJobs(gateway)

  await t.rejects(
    prisma.$transaction(async (tx) => {
      await tx.session.update({ where: { id: session.id }, data: { status: 'started' } })
      const recorded = await recordWebhookEvent(tx, {
        otecId: gateway.otec.id,
        sessionId: session.id,
        type: 'session.started',
        data: { id: session.id },
      })
      t.equal(recorded.deliveryIds.length, 1, 'a delivery was written inside the transaction')
      throw new Error('fails after the session write')
    }),
    { message: 'fails after the session write' },
  )

  const after = await prisma.session.findUniqueOrThrow({ where: { id: session.id } })
  t.equal(after.status, 'pending', 'the session change rolled back')
  t.equal(await prisma.webhookEvent.count({ where: { sessionId: session.id } }), 0, 'no event')
  t.equal(await prisma.webhookDelivery.count(), 0, 'no delivery')
  t.equal(await countJobs(gateway), jobsBefore, 'no queue job')
  await new Promise((resolve) => setTimeout(resolve, 1500))
  t.equal(receiver.received.length, 0, 'nothing sent')

  await prisma.$transaction((tx) =>
    recordWebhookEvent(tx, {
      otecId: gateway.otec.id,
      sessionId: session.id,
      type: 'session.started',
      data: { id: session.id },
    }),
  )
  t.equal(await countJobs(gateway), jobsBefore + 1, 'a committed event enqueues its job')
  await receiver.waitFor((received) => received.length === 1)
  await worker.stop()
})

t.test('purged queue loses nothing', async (t) => {
  const receiver = await startWebhookReceiver(t)
  const gateway = await startTestGateway(t, {
    environment: FAST_WEBHOOK_SETTINGS,
    otec: { webhookUrl: receiver.url },
  })
  receiver.secrets = [gateway.otec.webhookSecret as string]
  // Record the events while the queue runs but no worker does, then empty the queue.
  const worker = await startTestWorker(t, gateway, { sweepIntervalMs: 300 })
  await worker.worker.stop()
  const sessionIds = [await startSession(gateway), await startSession(gateway)]
  t.equal(await countJobs(gateway), 2, 'each delivery enqueued')
  await worker.queue.boss.deleteAllJobs(DELIVERY_QUEUE_NAME)
  t.equal(await countJobs(gateway), 0, 'queue emptied')
  await worker.stop()
  t.equal(receiver.received.length, 0)

  const restarted = await startTestWorker(t, gateway, { sweepIntervalMs: 300 })
  for (const sessionId of sessionIds) await waitForSessionDelivery(gateway, sessionId, 'succeeded')
  t.equal(receiver.received.length, 2, 'both delivered by the sweep')
  t.ok(receiver.received.every((request) => request.verified))
  await restarted.stop()
})

t.test('duplicate jobs never send one event twice at once', async (t) => {
  const receiver = await startWebhookReceiver(t, () => ({ status: 200, delayMs: 400 }))
  const gateway = await startTestGateway(t, {
    environment: FAST_WEBHOOK_SETTINGS,
    otec: { webhookUrl: receiver.url },
  })
  receiver.secrets = [gateway.otec.webhookSecret as string]
  const first = await startTestWorker(t, gateway, { concurrency: 5 })
  const sessionId = await startSession(gateway)
  const delivery = await gateway.db.prisma.webhookDelivery.findFirstOrThrow({
    where: { event: { sessionId } },
  })
  // The queue re-delivering a job, or a second job for the same delivery:
  // jobs without the singleton key, so pg-boss does not fold them together.
  for (let i = 0; i < 6; i += 1)
    await first.queue.boss.send(DELIVERY_QUEUE_NAME, { deliveryId: delivery.id })

  await waitForSessionDelivery(gateway, sessionId, 'succeeded')
  await new Promise((resolve) => setTimeout(resolve, 1500))
  t.equal(receiver.received.length, 1, 'sent once')
  t.equal(receiver.maxConcurrentPerId(), 1, 'never twice at the same time')
  const stored = await gateway.db.prisma.webhookDelivery.findUniqueOrThrow({
    where: { id: delivery.id },
  })
  t.equal(stored.attemptCount, 1)
  await first.stop()
})

async function countJobs(gateway: {
  db: { pool: { query: (sql: string) => Promise<{ rows: { count: string }[] }> } }
}) {
  const result = await gateway.db.pool.query(
    `SELECT count(*) FROM pgboss.job WHERE name = '${DELIVERY_QUEUE_NAME}' AND state IN ('created', 'retry', 'active')`,
  )
  return Number(result.rows[0]?.count)
}
