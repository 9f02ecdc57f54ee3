import t from 'tap'
import { createIntent, VALID_INTENT } from '../helpers/browser-flow.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'

function listSessions(
  gateway: TestGateway,
  headers: Record<string, string> = {},
  remoteAddress?: string,
) {
  return gateway.app.inject({
    method: 'GET',
    url: '/v1/sessions',
    headers: { authorization: `Bearer ${gateway.otec.apiKey}`, ...headers },
    ...(remoteAddress === undefined ? {} : { remoteAddress }),
  })
}

t.test('request ids', async (t) => {
  const gateway = await startTestGateway(t)
  const responses = [
    await createIntent(gateway, VALID_INTENT).then(() =>
      gateway.app.inject({ method: 'GET', url: '/v1/sessions' }),
    ),
    await listSessions(gateway),
    await gateway.app.inject({ method: 'GET', url: '/v1/nowhere' }),
    await gateway.app.inject({ method: 'GET', url: '/go/aaaaaaaaaaaaaaaaaaaaaa' }),
    await gateway.app.inject({ method: 'GET', url: '/healthz' }),
    await gateway.app.inject({ method: 'GET', url: '/v1/sessions/%E0%A4%A' }),
  ]
  const ids = responses.map((response) => response.headers['x-request-id'])
  for (const [index, id] of ids.entries()) t.match(id, /^[0-9a-f-]{36}$/, `response ${index}`)
  t.equal(new Set(ids).size, ids.length, 'one id per request')

  const withoutId = gateway.logLines.filter((line) => typeof line['reqId'] !== 'string')
  t.same(withoutId, [], 'every log line of a request names it')
  // /healthz (index 4) is logged at debug when it succeeds, so that probes do not flood the log.
  for (const id of ids.filter((_, index) => index !== 4))
    t.ok(
      gateway.logLines.some((line) => line['reqId'] === id),
      `log lines of request ${id}`,
    )

  const forwarded = await listSessions(gateway, { 'x-request-id': 'lb-1234' })
  t.not(forwarded.headers['x-request-id'], 'lb-1234', 'ignored without a trusted proxy')
})

t.test('trusted proxy', async (t) => {
  const gateway = await startTestGateway(t, {
    environment: { TRUST_PROXY: '127.0.0.1', RATE_LIMIT_API_PER_IP_PER_MINUTE: '2' },
  })
  const forwarded = await listSessions(gateway, {
    'x-request-id': 'lb-1234',
    'x-forwarded-for': '203.0.113.7',
  })
  t.equal(forwarded.headers['x-request-id'], 'lb-1234', 'the proxy’s id is kept')
  const logged = gateway.logLines.find(
    (line) => line['reqId'] === 'lb-1234' && line['msg'] === 'request completed',
  ) as { remoteAddress: string }
  t.equal(logged.remoteAddress, '203.0.113.7', 'the client address comes from the proxy')

  const badId = await listSessions(gateway, { 'x-request-id': 'bad id with spaces' })
  t.not(badId.headers['x-request-id'], 'bad id with spaces')

  // Each forwarded client has its own bucket of 2 requests a minute.
  for (const client of ['198.51.100.1', '198.51.100.2']) {
    const statuses = []
    for (let i = 0; i < 3; i += 1)
      statuses.push((await listSessions(gateway, { 'x-forwarded-for': client })).statusCode)
    t.same(statuses, [200, 200, 429], client)
  }

  const untrusted = await listSessions(gateway, { 'x-forwarded-for': '198.51.100.9' }, '192.0.2.50')
  t.equal(untrusted.statusCode, 200, 'a client that is not the proxy keeps its own address')
})

t.test('X-Forwarded-For ignored by default', async (t) => {
  const gateway = await startTestGateway(t, {
    environment: { RATE_LIMIT_API_PER_IP_PER_MINUTE: '2' },
  })
  const statuses = []
  for (const client of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
    statuses.push((await listSessions(gateway, { 'x-forwarded-for': client })).statusCode)
  t.same(statuses, [200, 200, 429], 'a forged header does not open a new bucket')
})

t.test('rate limit per API key', async (t) => {
  const gateway = await startTestGateway(t, {
    environment: { RATE_LIMIT_PER_KEY_PER_MINUTE: '3' },
  })
  const other = await gateway.createOtec()
  const statuses = []
  for (let i = 0; i < 4; i += 1) statuses.push((await listSessions(gateway)).statusCode)
  t.same(statuses, [200, 200, 200, 429])

  const limited = await listSessions(gateway)
  t.equal(limited.statusCode, 429)
  t.equal(limited.json().type, 'urn:sence-gateway:problem:rate-limited')
  t.match(limited.headers['retry-after'], /^\d+$/)
  t.ok(Number(limited.headers['retry-after']) <= 60)

  const otherKey = await gateway.app.inject({
    method: 'GET',
    url: '/v1/sessions',
    headers: { authorization: `Bearer ${other.apiKey}` },
  })
  t.equal(otherKey.statusCode, 200, 'another key has its own bucket')
  t.equal(otherKey.headers['ratelimit-remaining'], '2')
})

t.test('rate limit on browser URLs', async (t) => {
  const gateway = await startTestGateway(t, {
    environment: { RATE_LIMIT_BROWSER_PER_IP_PER_MINUTE: '2' },
  })
  const statuses = []
  for (let i = 0; i < 3; i += 1) {
    const response = await gateway.app.inject({ method: 'GET', url: '/go/aaaaaaaaaaaaaaaaaaaaaa' })
    statuses.push(response.statusCode)
    if (response.statusCode === 429) {
      t.match(response.headers['content-type'], /^text\/html/)
      t.match(response.body, /Demasiadas solicitudes/)
      t.match(response.headers['retry-after'], /^\d+$/)
    }
  }
  t.equal(statuses[2], 429)
  const callback = await gateway.app.inject({
    method: 'POST',
    url: '/cb/aaaaaaaaaaaaaaaaaaaaaa/ok',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'CodSence=1',
  })
  t.equal(callback.statusCode, 429, 'callbacks share the per-IP limit')
})

t.test('security headers', async (t) => {
  const gateway = await startTestGateway(t)
  const api = await listSessions(gateway)
  t.equal(api.headers['x-content-type-options'], 'nosniff')
  t.match(api.headers['content-security-policy'], /frame-ancestors 'none'/)
  t.equal(api.headers['referrer-policy'], 'no-referrer')
  t.notMatch(api.headers['content-security-policy'], /nonce-/, 'no nonce where no script runs')

  const created = await createIntent(gateway, VALID_INTENT)
  const launch = await gateway.app.inject({
    method: 'GET',
    url: new URL(created.body['startUrl']).pathname,
  })
  const csp = launch.headers['content-security-policy'] as string
  t.match(
    csp,
    /form-action 'self' [^;]*http:\/\/gateway\.test/,
    'the form may post to the simulator',
  )
  t.match(csp, /script-src 'self' 'nonce-[0-9a-f]+'/, 'only the nonced script runs')
  t.match(launch.headers['cache-control'], /no-store/)
})
