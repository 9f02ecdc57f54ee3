import t from 'tap'
import { startTestGateway } from '../helpers/gateway.ts'
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts'
import {
  FAST_WEBHOOK_SETTINGS,
  startSession,
  startTestWorker,
  waitForSessionDelivery,
} from '../helpers/webhook-worker.ts'

t.test('receiver down for three attempts, then healthy', async (t) => {
  const receiver = await startWebhookReceiver(t, (request) =>
    request.index < 3 ? { status: 503, body: 'mantenimiento' } : { status: 200, body: 'ok' },
  )
  const gateway = await startTestGateway(t, {
    environment: FAST_WEBHOOK_SETTINGS,
    otec: { webhookUrl: receiver.url },
  })
  receiver.secrets = [gateway.otec.webhookSecret as string]
  const worker = await startTestWorker(t, gateway)

  const sessionId = await startSession(gateway)
  await receiver.waitFor((received) => received.length >= 4)
  const delivery = await waitForSessionDelivery(gateway, sessionId, 'succeeded')
  await worker.stop()

  t.equal(receiver.received.length, 4, 'three failures and one success')
  const ids = new Set(receiver.received.map((request) => request.webhookId))
  t.equal(ids.size, 1, 'one webhook-id on every attempt')
  t.match([...ids][0], /^msg_/)
  t.ok(
    receiver.received.every((request) => request.verified),
    'standardwebhooks verifies every attempt',
  )
  t.equal(
    new Set(receiver.received.map((request) => request.body)).size,
    1,
    'the same body each time',
  )
  t.equal(receiver.received[0]?.payload.type, 'session.started')
  t.equal(receiver.received[0]?.payload.data['id'], sessionId)
  for (let i = 1; i < receiver.received.length; i += 1) {
    const gap =
      (receiver.received[i]?.receivedAt ?? 0) - (receiver.received[i - 1]?.receivedAt ?? 0)
    t.ok(gap >= 850, `attempt ${i + 1} waited the 1 s delay less jitter (waited ${gap} ms)`)
  }

  t.equal(delivery.attemptCount, 4)
  t.equal(delivery.attempts.length, 4)
  t.same(
    delivery.attempts.map((attempt) => attempt.statusCode),
    [503, 503, 503, 200],
  )
  t.equal(delivery.attempts[0]?.responseExcerpt, 'mantenimiento')
  t.equal(delivery.leaseToken, null, 'lease released')
})
