import t from 'tap'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { startSession } from '../helpers/webhook-worker.ts'

// A public address literal: registration checks it without DNS, and no test sends to it.
const PUBLIC_URL = 'https://8.8.8.8/sence/webhooks'

function api(gateway: TestGateway, apiKey = gateway.otec.apiKey) {
  return async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => {
    const response = await gateway.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${apiKey}` },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    })
    return { status: response.statusCode, body: response.json() as Record<string, any> }
  }
}

t.test('endpoint registration', async (t) => {
  const gateway = await startTestGateway(t)
  const call = api(gateway)

  const created = await call('POST', '/v1/webhook-endpoints', {
    url: PUBLIC_URL,
    eventTypes: ['session.started', 'session.closed'],
  })
  t.equal(created.status, 201)
  t.match(created.body['secret'], /^whsec_[A-Za-z0-9+/]{43}=$/, '32 random bytes')
  t.same(created.body['eventTypes'], ['session.started', 'session.closed'])
  t.equal(created.body['enabled'], true)

  for (const url of [
    'http://127.0.0.1:9000/hook',
    'http://localhost/hook',
    'http://169.254.169.254/',
  ]) {
    const refused = await call('POST', '/v1/webhook-endpoints', { url })
    t.equal(refused.status, 422, `${url} refused`)
    t.equal(refused.body['errors'][0].field, 'url')
    t.match(refused.body['errors'][0].detail, /no es aceptable: .*not a public address/)
  }
  const badType = await call('POST', '/v1/webhook-endpoints', {
    url: PUBLIC_URL,
    eventTypes: ['session.sarted'],
  })
  t.equal(badType.status, 422)
  t.equal(badType.body['errors'][0].field, 'eventTypes')
  const extra = await call('POST', '/v1/webhook-endpoints', { url: PUBLIC_URL, secret: 'x' })
  t.equal(extra.status, 400, 'unknown fields rejected')

  const listed = await call('GET', '/v1/webhook-endpoints')
  t.equal(listed.status, 200)
  t.equal(listed.body['endpoints'].length, 1)
  t.notOk(JSON.stringify(listed.body).includes('whsec_'), 'no secret in listings')

  const other = await gateway.createOtec()
  const foreign = await api(gateway, other.apiKey)(
    'GET',
    `/v1/webhook-endpoints/${created.body['id']}`,
  )
  t.equal(foreign.status, 404, "another OTEC's key cannot see it")
  t.equal((await call('GET', '/v1/webhook-endpoints/not-a-uuid')).status, 404)
})

t.test('private targets allowed when configured', async (t) => {
  const gateway = await startTestGateway(t, { environment: { WEBHOOK_ALLOW_PRIVATE_TARGETS: '1' } })
  const created = await api(gateway)('POST', '/v1/webhook-endpoints', {
    url: 'http://127.0.0.1:9000/hook',
  })
  t.equal(created.status, 201)
})

t.test('secret rotation keeps the old secret for the overlap', async (t) => {
  const gateway = await startTestGateway(t)
  const call = api(gateway)
  const created = await call('POST', '/v1/webhook-endpoints', { url: PUBLIC_URL })
  const id = created.body['id']

  const rotated = await call('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, {
    overlapSeconds: 3600,
  })
  t.equal(rotated.status, 200)
  t.not(rotated.body['secret'], created.body['secret'])
  const overlapEnds = Date.parse(rotated.body['previousSecretExpiresAt'])
  t.ok(Math.abs(overlapEnds - (Date.now() + 3600_000)) < 10_000, 'overlap of one hour')
  const stored = await gateway.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id } })
  t.equal(gateway.secrets.open(stored.secretSealed), rotated.body['secret'])
  t.equal(gateway.secrets.open(stored.previousSecretSealed as string), created.body['secret'])

  const tooLong = await call('POST', `/v1/webhook-endpoints/${id}/rotate-secret`, {
    overlapSeconds: 8 * 24 * 3600,
  })
  t.equal(tooLong.status, 422)
  t.equal(tooLong.body['errors'][0].field, 'overlapSeconds')
})

t.test('disable, test event, enable', async (t) => {
  const gateway = await startTestGateway(t)
  const call = api(gateway)
  const id = (await call('POST', '/v1/webhook-endpoints', { url: PUBLIC_URL })).body['id']

  const sent = await call('POST', `/v1/webhook-endpoints/${id}/test`)
  t.equal(sent.status, 202)
  t.match(sent.body['webhookId'], /^msg_/)
  const pending = await call('GET', `/v1/webhook-deliveries/${sent.body['deliveryId']}`)
  t.equal(pending.body['status'], 'pending')
  t.equal(pending.body['eventType'], 'webhook.test')
  t.equal(JSON.parse(pending.body['body']).type, 'webhook.test')

  const disabled = await call('PATCH', `/v1/webhook-endpoints/${id}`, { enabled: false })
  t.equal(disabled.status, 200)
  t.equal(disabled.body['enabled'], false)
  t.equal(disabled.body['disabledReason'], 'disabled on request')
  const failed = await call('GET', `/v1/webhook-deliveries/${sent.body['deliveryId']}`)
  t.equal(failed.body['status'], 'failed', 'its pending delivery failed')
  t.equal(failed.body['failureReason'], 'endpoint_disabled')

  const refused = await call('POST', `/v1/webhook-endpoints/${id}/test`)
  t.equal(refused.status, 409)
  const notAgain = await call('POST', `/v1/webhook-deliveries/${sent.body['deliveryId']}/redeliver`)
  t.equal(notAgain.status, 409, 'no redelivery to a disabled endpoint')

  const enabled = await call('PATCH', `/v1/webhook-endpoints/${id}`, { enabled: true })
  t.equal(enabled.body['enabled'], true)
  t.equal(enabled.body['disabledReason'], null)
  const again = await call('POST', `/v1/webhook-deliveries/${sent.body['deliveryId']}/redeliver`)
  t.equal(again.status, 202)
  t.equal(again.body['status'], 'pending')
  t.equal(again.body['webhookId'], sent.body['webhookId'], 'same webhook-id')
  const twice = await call('POST', `/v1/webhook-deliveries/${sent.body['deliveryId']}/redeliver`)
  t.equal(twice.status, 409, 'a pending delivery is already scheduled')
})

t.test('delivery log filters and cursor', async (t) => {
  const gateway = await startTestGateway(t)
  const call = api(gateway)
  const id = (await call('POST', '/v1/webhook-endpoints', { url: PUBLIC_URL })).body['id']
  const deliveryIds: string[] = []
  for (let i = 0; i < 3; i += 1)
    deliveryIds.push((await call('POST', `/v1/webhook-endpoints/${id}/test`)).body['deliveryId'])

  const first = await call('GET', '/v1/webhook-deliveries?limit=2')
  t.equal(first.status, 200)
  t.same(
    first.body['deliveries'].map((delivery: { id: string }) => delivery.id),
    [deliveryIds[2], deliveryIds[1]],
    'newest first',
  )
  t.type(first.body['nextCursor'], 'string')
  const second = await call(
    'GET',
    `/v1/webhook-deliveries?limit=2&cursor=${encodeURIComponent(first.body['nextCursor'])}`,
  )
  t.same(
    second.body['deliveries'].map((delivery: { id: string }) => delivery.id),
    [deliveryIds[0]],
  )
  t.equal(second.body['nextCursor'], null, 'last page')

  t.equal((await call('GET', '/v1/webhook-deliveries?status=failed')).body['deliveries'].length, 0)
  t.equal(
    (await call('GET', `/v1/webhook-deliveries?endpointId=${id}&eventType=webhook.test`)).body[
      'deliveries'
    ].length,
    3,
  )
  t.equal((await call('GET', '/v1/webhook-deliveries?status=lost')).status, 400)
  t.equal((await call('GET', '/v1/webhook-deliveries?cursor=bm9wZQ')).status, 400)

  const other = await gateway.createOtec()
  const foreign = await api(gateway, other.apiKey)('GET', '/v1/webhook-deliveries')
  t.equal(foreign.body['deliveries'].length, 0, 'another OTEC sees none of them')
  const foreignOne = await api(gateway, other.apiKey)(
    'GET',
    `/v1/webhook-deliveries/${deliveryIds[0]}`,
  )
  t.equal(foreignOne.status, 404)
})

t.test('events of a session with their delivery state', async (t) => {
  const gateway = await startTestGateway(t)
  const call = api(gateway)
  await call('POST', '/v1/webhook-endpoints', { url: PUBLIC_URL })
  const sessionId = await startSession(gateway)

  const listed = await call('GET', `/v1/sessions/${sessionId}/webhook-events`)
  t.equal(listed.status, 200)
  t.equal(listed.body['events'].length, 1)
  const [event] = listed.body['events']
  t.equal(event.type, 'session.started')
  t.match(event.webhookId, /^msg_/)
  t.equal(event.deliveries.length, 1)
  t.equal(event.deliveries[0].status, 'pending')
  t.equal(
    (await call('GET', '/v1/sessions/00000000-0000-0000-0000-000000000000/webhook-events')).status,
    404,
  )
})
