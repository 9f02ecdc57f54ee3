// A slow endpoint may hold only its share of a worker's slots: here 3 of
// 20. OTEC A's receiver responds long after the 3 s attempt timeout, and
// each event goes to A's endpoint and to OTEC B's, whose receiver answers
// at once. Without the share, A's 40 deliveries would take every slot for
// a whole timeout, and B's would wait.

import t from 'tap'
import { recordWebhookEvent } from '../../src/webhooks/record-event.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts'
import { startTestWorker } from '../helpers/webhook-worker.ts'

const EVENTS = 40
const TIMEOUT_MS = 3000
const SLOW_ENDPOINT_SLOTS = 3

t.test('slow endpoint holds only its share', async (t) => {
  const slowReceiver = await startWebhookReceiver(t, () => ({
    status: 200,
    delayMs: TIMEOUT_MS * 3,
  }))
  const fastReceiver = await startWebhookReceiver(t)
  const gateway = await startTestGateway(t, {
    environment: {
      WEBHOOK_ALLOW_PRIVATE_TARGETS: '1',
      WEBHOOK_RETRY_DELAYS: '60',
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    },
    otec: { webhookUrl: slowReceiver.url },
  })
  const fastOtec = await gateway.createOtec({ webhookUrl: fastReceiver.url })
  fastReceiver.secrets = [fastOtec.webhookSecret as string]
  const worker = await startTestWorker(t, gateway, {
    concurrency: 20,
    slowEndpointSlots: SLOW_ENDPOINT_SLOTS,
  })

  const startedAt = Date.now()
  for (let i = 0; i < EVENTS; i += 1)
    for (const otecId of [gateway.otec.id, fastOtec.id])
      await gateway.db.prisma.$transaction((tx) =>
        recordWebhookEvent(
          tx,
          { otecId, sessionId: null, type: 'session.started', data: { n: i } },
          worker.queue,
        ),
      )
  await fastReceiver.waitFor((received) => received.length >= EVENTS, 20_000)
  const fastTookMs = (fastReceiver.received.at(-1)?.receivedAt ?? Date.now()) - startedAt
  t.ok(fastTookMs < TIMEOUT_MS, `B's webhooks arrive within one timeout (${fastTookMs} ms)`)
  t.ok(
    fastReceiver.received.every((request) => request.verified),
    'B verifies every webhook',
  )

  // Until the first attempts time out, every request to A is still open,
  // so A's requests in that window are its attempts in flight.
  const firstSlowAt = slowReceiver.received[0]?.receivedAt ?? 0
  await new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS * 2))
  const beforeFirstTimeout = slowReceiver.received.filter(
    (request) => request.receivedAt < firstSlowAt + TIMEOUT_MS - 500,
  )
  t.ok(slowReceiver.received.length > 0, 'A gets attempts too')
  t.ok(
    beforeFirstTimeout.length <= SLOW_ENDPOINT_SLOTS,
    `at most ${SLOW_ENDPOINT_SLOTS} attempts to A at once (${beforeFirstTimeout.length})`,
  )
  const slowIds = new Set(slowReceiver.received.map((request) => request.webhookId))
  t.ok(
    slowReceiver.received.length > SLOW_ENDPOINT_SLOTS,
    `A's next deliveries start as its attempts time out (${slowReceiver.received.length} requests)`,
  )
  t.equal(slowIds.size, slowReceiver.received.length, 'no delivery to A sent twice meanwhile')
  await worker.stop()
})
