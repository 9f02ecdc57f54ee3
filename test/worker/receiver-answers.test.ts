import t, { type Test } from 'tap'
import { startTestGateway } from '../helpers/gateway.ts'
import { startWebhookReceiver, type ResponseScript } from '../helpers/webhook-receiver.ts'
import {
  FAST_WEBHOOK_SETTINGS,
  startSession,
  startTestWorker,
  waitForSessionDelivery,
} from '../helpers/webhook-worker.ts'

async function setUp(t: Test, script: ResponseScript) {
  const receiver = await startWebhookReceiver(t, script)
  const gateway = await startTestGateway(t, {
    environment: FAST_WEBHOOK_SETTINGS,
    otec: { webhookUrl: receiver.url },
  })
  receiver.secrets = [gateway.otec.webhookSecret as string]
  const worker = await startTestWorker(t, gateway)
  return { receiver, gateway, worker }
}

t.test('410 disables the endpoint', async (t) => {
  const { receiver, gateway, worker } = await setUp(t, () => ({ status: 410, body: 'gone' }))

  const sessionId = await startSession(gateway)
  const delivery = await waitForSessionDelivery(gateway, sessionId, 'failed')
  t.equal(delivery.failureReason, 'endpoint_gone')
  t.equal(delivery.attemptCount, 1, 'no retry after 410')
  t.equal(delivery.endpoint.enabled, false, 'endpoint disabled')
  t.match(delivery.endpoint.disabledReason, /410 Gone/)

  const laterSession = await startSession(gateway)
  await new Promise((resolve) => setTimeout(resolve, 2500))
  const later = await gateway.db.prisma.webhookDelivery.count({
    where: { event: { sessionId: laterSession } },
  })
  t.equal(later, 0, 'no delivery to a disabled endpoint')
  t.equal(receiver.received.length, 1, 'no more attempts')
  t.ok(receiver.received[0]?.verified)

  const listed = await gateway.app.inject({
    method: 'GET',
    url: '/v1/webhook-deliveries?status=failed',
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
  })
  t.equal(listed.json().deliveries[0].failureReason, 'endpoint_gone', 'visible to staff')
  await worker.stop()
})

t.test('slow receiver times out and is retried', async (t) => {
  const { receiver, gateway, worker } = await setUp(t, (request) =>
    request.index === 0 ? { status: 200, delayMs: 3000 } : { status: 200 },
  )

  const sessionId = await startSession(gateway)
  const delivery = await waitForSessionDelivery(gateway, sessionId, 'succeeded')
  const [first, second] = delivery.attempts
  t.equal(first?.outcome, 'failed')
  t.equal(first?.statusCode, null)
  t.equal(first?.error, 'timed out after 1000 ms')
  t.ok(
    (first?.durationMs ?? 0) >= 950 && (first?.durationMs ?? 0) < 2000,
    `cut at the timeout (${first?.durationMs} ms)`,
  )
  t.equal(second?.outcome, 'succeeded')
  t.equal(receiver.received.length, 2)
  t.equal(receiver.received[0]?.webhookId, receiver.received[1]?.webhookId, 'same webhook-id')
  t.not(receiver.received[0]?.timestamp, undefined)
  t.ok(receiver.received.every((request) => request.verified))
  await worker.stop()
})

t.test('429 and 503 with Retry-After', async (t) => {
  const { receiver, gateway, worker } = await setUp(t, (request) => {
    if (request.index === 0) return { status: 429, headers: { 'retry-after': '3' } }
    if (request.index === 1) return { status: 503, headers: { 'retry-after': '2' } }
    return { status: 202 }
  })

  const sessionId = await startSession(gateway)
  const delivery = await waitForSessionDelivery(gateway, sessionId, 'succeeded')
  t.same(
    delivery.attempts.map((attempt) => attempt.statusCode),
    [429, 503, 202],
  )
  const [first, second, third] = receiver.received
  const afterTooMany = (second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)
  const afterUnavailable = (third?.receivedAt ?? 0) - (second?.receivedAt ?? 0)
  t.ok(
    afterTooMany >= 3000,
    `waited Retry-After 3 s, not the 1 s delay (waited ${afterTooMany} ms)`,
  )
  t.ok(afterUnavailable >= 2000, `waited Retry-After 2 s (waited ${afterUnavailable} ms)`)
  t.ok((second?.timestamp ?? 0) >= (first?.timestamp ?? 0) + 3, 'a fresh timestamp on each attempt')
  t.not(first?.signature, second?.signature, 'a fresh signature on each attempt')
  t.ok(receiver.received.every((request) => request.verified))
  await worker.stop()
})

t.test('schedule exhausted: kept as failed', async (t) => {
  const { receiver, gateway, worker } = await setUp(t, () => ({ status: 500 }))

  const sessionId = await startSession(gateway)
  const delivery = await waitForSessionDelivery(gateway, sessionId, 'failed')
  t.equal(delivery.failureReason, 'attempts_exhausted')
  t.equal(delivery.attemptCount, 5, 'the first attempt and one per delay')
  t.equal(delivery.nextAttemptAt, null)
  t.equal(delivery.endpoint.enabled, true, 'a 500 does not disable the endpoint')
  await new Promise((resolve) => setTimeout(resolve, 1500))
  t.equal(receiver.received.length, 5, 'nothing after the last attempt')
  await worker.stop()
})

t.test('redirects are not followed', async (t) => {
  const { receiver, gateway, worker } = await setUp(t, (request) =>
    request.index === 0
      ? { status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } }
      : { status: 200 },
  )
  const sessionId = await startSession(gateway)
  const delivery = await waitForSessionDelivery(gateway, sessionId, 'succeeded')
  t.equal(delivery.attempts[0]?.statusCode, 302)
  t.match(
    delivery.attempts[0]?.error,
    /redirect to http:\/\/127\.0\.0\.1:1\/elsewhere.*not followed/,
  )
  t.equal(receiver.received.length, 2, 'the retry went to the endpoint again')
  await worker.stop()
})
