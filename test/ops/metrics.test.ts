import t from 'tap'
import { createIntent, VALID_INTENT, visitThroughSimulator } from '../helpers/browser-flow.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'

async function scrape(gateway: TestGateway): Promise<string> {
  const response = await gateway.app.inject({ method: 'GET', url: '/metrics' })
  if (response.statusCode !== 200) throw new Error(`/metrics answered ${response.statusCode}`)
  return response.body
}

/** Returns a sample's value, or 0 when the series does not exist yet. */
function sample(metrics: string, series: string): number {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${series} `))
  return line === undefined ? 0 : Number(line.slice(series.length + 1))
}

t.test('metrics in Prometheus format', async (t) => {
  const gateway = await startTestGateway(t)
  const response = await gateway.app.inject({ method: 'GET', url: '/metrics' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.match(response.body, /^# HELP sence_gateway_http_request_duration_seconds /m)
  t.match(response.body, /^process_cpu_seconds_total /m, 'process metrics included')
  t.match(response.body, /^sence_gateway_webhook_queue_depth 0$/m)
})

t.test('login counts transition and latency', async (t) => {
  const gateway = await startTestGateway(t)
  const transition = 'sence_gateway_session_transitions_total{from="pending",to="started"}'
  const callbackCount =
    'sence_gateway_http_request_duration_seconds_count{method="POST",route="/cb/:ticket/:endpoint",status_code="303"}'
  const before = await scrape(gateway)

  const created = await createIntent(gateway, VALID_INTENT)
  const visit = await visitThroughSimulator(gateway, created.body['startUrl'])
  t.equal(visit.callbackResponse?.statusCode, 303)
  // A duplicate callback changes nothing and is not a transition.
  const duplicate = await gateway.app.inject({
    method: 'POST',
    url: new URL(visit.callbackForm?.action as string).pathname,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(visit.callbackForm?.fields).toString(),
  })
  t.equal(duplicate.statusCode, 303)

  const after = await scrape(gateway)
  t.equal(sample(after, transition) - sample(before, transition), 1)
  t.equal(sample(after, callbackCount) - sample(before, callbackCount), 2)
  const ticket = new URL(created.body['startUrl']).pathname.split('/')[2] as string
  t.notOk(after.includes(ticket), 'no ticket in a label')
})

t.test('close counts started to closing', async (t) => {
  const gateway = await startTestGateway(t)
  const transition = 'sence_gateway_session_transitions_total{from="started",to="closing"}'
  const created = await createIntent(gateway, VALID_INTENT)
  await visitThroughSimulator(gateway, created.body['startUrl'])
  const before = await scrape(gateway)
  const closing = await gateway.app.inject({
    method: 'POST',
    url: `/v1/sessions/${created.body['id']}/close`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
    payload: {},
  })
  t.equal(closing.statusCode, 200)
  t.equal(sample(await scrape(gateway), transition) - sample(before, transition), 1)
})

t.test('SENCE error codes counted by number', async (t) => {
  const gateway = await startTestGateway(t)
  const code308 = 'sence_gateway_sence_error_codes_total{code="308"}'
  const failed = 'sence_gateway_session_transitions_total{from="pending",to="start_failed"}'
  const before = await scrape(gateway)
  const created = await createIntent(gateway, VALID_INTENT)
  await visitThroughSimulator(gateway, created.body['startUrl'], { outcome: '308' })
  const after = await scrape(gateway)
  t.equal(sample(after, code308) - sample(before, code308), 1)
  t.equal(sample(after, failed) - sample(before, failed), 1)
})

t.test('unmatched URLs share one label', async (t) => {
  const gateway = await startTestGateway(t)
  await gateway.app.inject({ method: 'GET', url: '/wp-login.php' })
  const metrics = await scrape(gateway)
  t.match(metrics, /route="unmatched",status_code="404"/)
  t.notOk(metrics.includes('wp-login'), 'the raw URL is not a label')
})

t.test('queue gauges read the delivery table', async (t) => {
  const gateway = await startTestGateway(t, {
    otec: { webhookUrl: 'https://lms.example.cl/hooks/sence' },
  })
  // NOTE: createOtec leaves eventTypes NULL, which recordWebhookEvent's
  // "empty means every type" filter does not match; empty it explicitly.
  await gateway.db.pool.query(`UPDATE "WebhookEndpoint" SET "eventTypes" = '{}'`)
  const created = await createIntent(gateway, VALID_INTENT)
  await visitThroughSimulator(gateway, created.body['startUrl'])
  const second = await createIntent(gateway, VALID_INTENT)
  await visitThroughSimulator(gateway, second.body['startUrl'], { outcome: '308' })
  // Make one delivery three minutes old and overdue by two, as if no worker ran.
  await gateway.db.pool.query(
    `UPDATE "WebhookDelivery" SET "createdAt" = now() - interval '3 minutes',
            "nextAttemptAt" = now() - interval '2 minutes'
      WHERE id = (SELECT id FROM "WebhookDelivery" ORDER BY "createdAt" LIMIT 1)`,
  )

  const metrics = await scrape(gateway)
  t.equal(sample(metrics, 'sence_gateway_webhook_queue_depth'), 2)
  t.equal(sample(metrics, 'sence_gateway_webhook_queue_due'), 2)
  const age = sample(metrics, 'sence_gateway_webhook_queue_oldest_pending_age_seconds')
  t.ok(age >= 180 && age < 200, `oldest pending age ${age} s is about 180 s`)
  const lag = sample(metrics, 'sence_gateway_webhook_queue_oldest_due_lag_seconds')
  t.ok(lag >= 120 && lag < 140, `oldest due lag ${lag} s is about 120 s`)

  await gateway.db.pool.query(`UPDATE "WebhookDelivery" SET status = 'succeeded'`)
  const drained = await scrape(gateway)
  t.equal(sample(drained, 'sence_gateway_webhook_queue_depth'), 0)
  t.equal(sample(drained, 'sence_gateway_webhook_queue_oldest_pending_age_seconds'), 0)
})

t.test('webhook attempts by outcome', async (t) => {
  const { observeWebhookAttempt } = await import('../../src/observability/metrics.ts')
  const gateway = await startTestGateway(t)
  const series = 'sence_gateway_webhook_attempts_total{outcome="timeout"}'
  const before = sample(await scrape(gateway), series)
  observeWebhookAttempt('timeout')
  t.equal(sample(await scrape(gateway), series) - before, 1)
})
