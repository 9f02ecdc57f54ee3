// One OTEC's receiver that stops responding must not hold up the webhooks
// of every other OTEC. In production the events of all OTECs interleave
// in the queue, so a few deliveries to one dead endpoint sit among every
// few dozen jobs. A worker that took jobs in batches and took the next
// batch only when the slowest attempt of the last one ended made every
// batch wait WEBHOOK_TIMEOUT_MS (15 s by default), and the whole gateway
// delivered 100 webhooks per timeout. The other OTECs' LMSs then learned
// of started and closed sessions late.
//
// Here OTEC A's endpoint responds too late (its attempts time out after
// 4 s), and one event in 20 is A's. OTEC B's receiver responds at once.
// With A's receiver also responding at once, B's 400 webhooks arrived
// within about 0.3 s on the 2-CPU development machine; with A's timing
// out, the batching worker took about 16 s, four rounds of A's timeout.
// The limit below is one attempt timeout.

import t from 'tap'
import { createSecretBox } from '../../src/security/secret-box.ts'
import { startDeliveryQueue } from '../../src/webhooks/delivery-queue.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { startGatewayProcess, waitForOutput } from '../helpers/gateway-process.ts'
import { TEST_ENCRYPTION_KEYS } from '../helpers/gateway.ts'
import { createTestDatabase } from '../helpers/test-database.ts'
import { createOtecWithWebhook, recordStartedEvent } from '../helpers/webhook-events.ts'
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts'

const EVENTS_OF_B = 400
const ONE_OF_A_EVERY = 20
const TIMEOUT_MS = 4000

t.test('dead receiver of one OTEC', async (t) => {
  const db = await createTestDatabase(t)
  db.pool.on('error', () => {})
  const secrets = createSecretBox(TEST_ENCRYPTION_KEYS)
  // Responds only after the attempt has timed out.
  const deadReceiver = await startWebhookReceiver(t, () => ({
    status: 200,
    delayMs: TIMEOUT_MS * 2,
  }))
  const liveReceiver = await startWebhookReceiver(t, () => ({ status: 204 }))
  const otecOf = (webhookUrl: string) => createOtecWithWebhook(db.prisma, secrets, webhookUrl)
  const otecA = await otecOf(deadReceiver.url)
  const otecB = await otecOf(liveReceiver.url)
  liveReceiver.secrets = [otecB.webhookSecret as string]

  const queue = await startDeliveryQueue(db, createLogger('silent'), {
    supervise: false,
    leaseSeconds: 15,
    longestWaitSeconds: 60,
  })
  t.teardown(() => queue.stop())
  const record = (otecId: string, n: number) => recordStartedEvent(db.prisma, queue, otecId, n)
  for (let i = 0; i < EVENTS_OF_B; i += 1) {
    if (i % ONE_OF_A_EVERY === 0) await record(otecA.otec.id, i)
    await record(otecB.otec.id, i)
  }

  const worker = startGatewayProcess(['worker'], {
    DATABASE_URL: db.url,
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    WEBHOOK_ALLOW_PRIVATE_TARGETS: '1',
    WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    PORT: '0',
  })
  t.teardown(() => worker.child.kill('SIGKILL'))
  await waitForOutput(worker, (out) => out.includes('webhook worker started'))

  await liveReceiver.waitFor((received) => received.length >= 1, 20_000)
  const firstAt = liveReceiver.received[0]?.receivedAt ?? Date.now()
  await liveReceiver.waitFor((received) => received.length >= EVENTS_OF_B, 60_000)
  const lastAt = liveReceiver.received.at(-1)?.receivedAt ?? Date.now()
  t.comment(`OTEC B's ${EVENTS_OF_B} webhooks took ${lastAt - firstAt} ms`)
  t.ok(
    lastAt - firstAt < TIMEOUT_MS,
    `OTEC B's webhooks arrive within one attempt timeout (${lastAt - firstAt} ms)`,
  )
  t.ok(
    liveReceiver.received.every((request) => request.verified),
    'OTEC B verifies every webhook',
  )

  worker.child.kill('SIGTERM')
  await worker.exited
})
