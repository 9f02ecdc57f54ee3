// A worker that stops while an attempt hangs cuts the attempt short after
// its 5 s grace. Cutting it closes only the gateway's side of the
// connection, and the OTEC's receiver may still be handling the request
// (writing the attendance). So the delivery is released due one attempt
// timeout later, not at once: the next worker sends the same webhook-id
// only after the cut attempt would have timed out anyway, and the receiver
// never receives two requests of one webhook at the same time, on a deploy as
// when a worker dies.

import t from 'tap'
import { recordWebhookEvent } from '../../src/webhooks/record-event.ts'
import { startWorker } from '../../src/worker/start-worker.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts'
import { startTestWorker } from '../helpers/webhook-worker.ts'

const TIMEOUT_MS = 15_000
/** The receiver's handling time of the first request: longer than the grace, shorter than the timeout. */
const HANDLING_MS = 12_000

t.test('stop during hang waits one timeout', async (t) => {
  const receiver = await startWebhookReceiver(t, (request) =>
    request.index === 0 ? { status: 200, delayMs: HANDLING_MS } : { status: 204 },
  )
  const gateway = await startTestGateway(t, {
    environment: {
      WEBHOOK_ALLOW_PRIVATE_TARGETS: '1',
      WEBHOOK_RETRY_DELAYS: '60',
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    },
    otec: { webhookUrl: receiver.url },
  })
  receiver.secrets = [gateway.otec.webhookSecret as string]
  const stopping = await startTestWorker(t, gateway)

  await gateway.db.prisma.$transaction((tx) =>
    recordWebhookEvent(
      tx,
      { otecId: gateway.otec.id, sessionId: null, type: 'session.started', data: {} },
      stopping.queue,
    ),
  )
  await receiver.waitFor((received) => received.length >= 1, 10_000)
  const firstAt = receiver.received[0]?.receivedAt ?? 0
  // The worker stops as on SIGTERM, and the next release's worker starts on the same queue.
  await stopping.worker.stop()
  const restarted = await startWorker(gateway.services, {
    queue: stopping.queue,
    sweepIntervalMs: 500,
    pollingIntervalSeconds: 0.5,
  })
  t.teardown(() => restarted.stop())

  await receiver.waitFor((received) => received.length >= 2, 30_000)
  const secondAt = receiver.received[1]?.receivedAt ?? 0
  t.equal(receiver.received[1]?.webhookId, receiver.received[0]?.webhookId, 'the same webhook')
  t.ok(
    secondAt - firstAt >= HANDLING_MS,
    `the second attempt (after ${secondAt - firstAt} ms) waits for the first, still handled for ${HANDLING_MS} ms`,
  )
  t.equal(receiver.maxConcurrentPerId(), 1, 'one request per webhook-id at a time')
})
