import t from 'tap'
import {
  IDEMPOTENCY_LOCK_TIMEOUT_MS,
  parseIdempotencyKey,
  requestFingerprint,
} from '../../src/http/idempotency.ts'
import { VALID_INTENT, visitThroughSimulator } from '../helpers/browser-flow.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'

function post(
  gateway: TestGateway,
  url: string,
  body: unknown,
  idempotencyKey?: string,
  apiKey = gateway.otec.apiKey,
) {
  return gateway.app.inject({
    method: 'POST',
    url,
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
    },
    ...(body === undefined ? {} : { payload: body as object }),
  })
}

t.test('Idempotency-Key header parsing', async (t) => {
  t.same(parseIdempotencyKey(undefined), { ok: true, key: null })
  t.same(parseIdempotencyKey('"8e03978e-40d5"'), { ok: true, key: '8e03978e-40d5' })
  t.same(parseIdempotencyKey('plain-key'), { ok: true, key: 'plain-key' })
  t.same(parseIdempotencyKey('"with \\"quote\\""'), { ok: true, key: 'with "quote"' })
  for (const bad of ['', '""', '"a", "b"', 'x'.repeat(256), 'clé', ['a', 'b']]) {
    t.equal(parseIdempotencyKey(bad).ok, false, JSON.stringify(bad))
  }
})

t.test('fingerprint ignores key order only', async (t) => {
  const a = requestFingerprint('POST', '/v1/sessions', { a: 1, b: { c: 2, d: 3 } })
  t.equal(a, requestFingerprint('POST', '/v1/sessions', { b: { d: 3, c: 2 }, a: 1 }))
  t.not(a, requestFingerprint('POST', '/v1/sessions', { a: 1, b: { c: 2, d: 4 } }))
  t.not(a, requestFingerprint('POST', '/v1/sessions/x/close', { a: 1, b: { c: 2, d: 3 } }))
})

t.test('create with Idempotency-Key', async (t) => {
  const gateway = await startTestGateway(t)

  t.test('retry returns first response', async (t) => {
    const first = await post(gateway, '/v1/sessions', VALID_INTENT, '"create-1"')
    const retry = await post(gateway, '/v1/sessions', VALID_INTENT, '"create-1"')
    t.equal(first.statusCode, 201)
    t.equal(retry.statusCode, 201)
    t.equal(retry.json().id, first.json().id)
    t.equal(retry.json().startUrl, first.json().startUrl, 'same ticket, still usable')
    t.equal(retry.headers['idempotent-replayed'], 'true')
    t.equal(first.headers['idempotent-replayed'], undefined)
    t.equal(await gateway.db.prisma.session.count({ where: { otecId: gateway.otec.id } }), 1)
  })

  t.test('same key, other body is 422', async (t) => {
    const response = await post(
      gateway,
      '/v1/sessions',
      { ...VALID_INTENT, runAlumno: '11111111-1' },
      '"create-1"',
    )
    t.equal(response.statusCode, 422)
    t.equal(response.json().type, 'urn:sence-gateway:problem:idempotency-key-reused')
  })

  t.test('same key on close path is 422', async (t) => {
    const created = await post(gateway, '/v1/sessions', VALID_INTENT, '"create-1"')
    const response = await post(
      gateway,
      `/v1/sessions/${created.json().id}/close`,
      undefined,
      '"create-1"',
    )
    t.equal(response.statusCode, 422)
    t.equal(response.json().type, 'urn:sence-gateway:problem:idempotency-key-reused')
  })

  t.test('failed request releases its key', async (t) => {
    const invalid = await post(
      gateway,
      '/v1/sessions',
      { ...VALID_INTENT, runAlumno: '12345678-4' },
      'fix-and-retry',
    )
    t.equal(invalid.statusCode, 422)
    t.equal(invalid.json().type, 'urn:sence-gateway:problem:validation-error')
    const fixed = await post(gateway, '/v1/sessions', VALID_INTENT, 'fix-and-retry')
    t.equal(fixed.statusCode, 201)
  })

  t.test('malformed key is 400', async (t) => {
    const response = await post(gateway, '/v1/sessions', VALID_INTENT, '"unterminated')
    t.equal(response.statusCode, 400)
    t.equal(response.json().type, 'urn:sence-gateway:problem:invalid-idempotency-key')
  })

  t.test('keys are per OTEC', async (t) => {
    const other = await gateway.createOtec()
    const mine = await post(gateway, '/v1/sessions', VALID_INTENT, 'shared-key')
    const theirs = await post(gateway, '/v1/sessions', VALID_INTENT, 'shared-key', other.apiKey)
    t.equal(mine.statusCode, 201)
    t.equal(theirs.statusCode, 201)
    t.not(theirs.json().id, mine.json().id)
  })

  t.test('stored response is sealed', async (t) => {
    const created = await post(gateway, '/v1/sessions', VALID_INTENT, 'sealed-check')
    const ticket = new URL(created.json().startUrl).pathname.split('/').at(-1) as string
    const row = await gateway.db.prisma.idempotencyKey.findFirstOrThrow({
      where: { key: 'sealed-check' },
    })
    t.equal(row.status, 'completed')
    t.notMatch(row.responseSealed, ticket, 'the ticket is not stored in clear')
    t.match(row.responseSealed, /^v1:test:/)
  })
})

t.test('concurrent retries make one intent', async (t) => {
  const gateway = await startTestGateway(t)
  const responses = await Promise.all(
    Array.from({ length: 12 }, () => post(gateway, '/v1/sessions', VALID_INTENT, 'concurrent')),
  )
  const statuses = responses.map((response) => response.statusCode)
  t.ok(
    statuses.every((status) => status === 201 || status === 409),
    `only 201 and 409: ${statuses}`,
  )
  const ids = new Set(responses.filter((r) => r.statusCode === 201).map((r) => r.json().id))
  t.equal(ids.size, 1, 'every 201 names the same session')
  t.equal(await gateway.db.prisma.session.count(), 1, 'one intent stored')
  for (const response of responses.filter((r) => r.statusCode === 409))
    t.equal(response.json().type, 'urn:sence-gateway:problem:idempotency-key-in-use')
})

t.test('in-flight key is 409, stale one taken over', async (t) => {
  const gateway = await startTestGateway(t)
  const fingerprint = requestFingerprint('POST', '/v1/sessions', VALID_INTENT)
  const row = await gateway.db.prisma.idempotencyKey.create({
    data: {
      otecId: gateway.otec.id,
      key: 'running',
      fingerprint,
      status: 'in_flight',
      lockedAt: new Date(),
      expiresAt: new Date(Date.now() + 3_600_000),
    },
  })

  const busy = await post(gateway, '/v1/sessions', VALID_INTENT, 'running')
  t.equal(busy.statusCode, 409)
  t.equal(busy.json().type, 'urn:sence-gateway:problem:idempotency-key-in-use')
  t.equal(await gateway.db.prisma.session.count(), 0)

  // The request that held the key crashed long ago.
  await gateway.db.prisma.idempotencyKey.update({
    where: { id: row.id },
    data: { lockedAt: new Date(Date.now() - IDEMPOTENCY_LOCK_TIMEOUT_MS - 1000) },
  })
  const takenOver = await post(gateway, '/v1/sessions', VALID_INTENT, 'running')
  t.equal(takenOver.statusCode, 201)
  t.equal(await gateway.db.prisma.session.count(), 1)
})

t.test('expired key runs again', async (t) => {
  const gateway = await startTestGateway(t)
  const first = await post(gateway, '/v1/sessions', VALID_INTENT, 'old-key')
  await gateway.db.prisma.idempotencyKey.updateMany({
    where: { key: 'old-key' },
    data: { expiresAt: new Date(Date.now() - 1000) },
  })
  const second = await post(gateway, '/v1/sessions', VALID_INTENT, 'old-key')
  t.equal(second.statusCode, 201)
  t.not(second.json().id, first.json().id)
  t.equal(second.headers['idempotent-replayed'], undefined)
})

t.test('close with Idempotency-Key', async (t) => {
  const gateway = await startTestGateway(t)
  const created = await post(gateway, '/v1/sessions', VALID_INTENT)
  await visitThroughSimulator(gateway, created.json().startUrl)
  const url = `/v1/sessions/${created.json().id}/close`

  const first = await post(gateway, url, undefined, 'close-1')
  const retry = await post(gateway, url, undefined, 'close-1')
  t.equal(first.statusCode, 200)
  t.equal(retry.statusCode, 200)
  t.equal(retry.json().closeUrl, first.json().closeUrl, 'the first close ticket is not superseded')
  const closeRequests = await gateway.db.prisma.sessionEvent.count({
    where: { sessionId: created.json().id, type: 'close_requested' },
  })
  t.equal(closeRequests, 1)

  const otherBody = await post(
    gateway,
    url,
    { returnUrl: 'https://lms.example.cl/other' },
    'close-1',
  )
  t.equal(otherBody.statusCode, 422)

  const visit = await visitThroughSimulator(gateway, retry.json().closeUrl)
  t.equal(visit.callbackResponse?.statusCode, 303, 'the replayed closeUrl works')
})
