import { readFileSync } from 'node:fs'
import t from 'tap'
import { PROBLEM_TYPES, problemTypeUri, type ProblemSlug } from '../../src/http/problem.ts'
import { VALID_INTENT } from '../helpers/browser-flow.ts'
import { startTestGateway } from '../helpers/gateway.ts'

const DOCS = readFileSync(new URL('../../docs/problems.md', import.meta.url), 'utf8')

t.test('every problem type is documented', async (t) => {
  const documented = [...DOCS.matchAll(/^### `(urn:sence-gateway:problem:[a-z-]+)`/gm)].map(
    (match) => match[1],
  )
  const registered = (Object.keys(PROBLEM_TYPES) as ProblemSlug[]).map(problemTypeUri)
  t.same([...documented].sort(), [...registered].sort())
  for (const [slug, { status }] of Object.entries(PROBLEM_TYPES)) {
    const section = DOCS.split(`### \`${problemTypeUri(slug as ProblemSlug)}\``)[1] ?? ''
    t.match(section.split('###')[0], new RegExp(`^Status: ${status}\\b`, 'm'), `${slug} status`)
  }
})

/** Requests an integrator or an attacker may send; none may get a 500 or a body that is not a problem. */
const BAD_REQUESTS: {
  name: string
  method: 'GET' | 'POST' | 'DELETE'
  url: string
  headers?: Record<string, string>
  payload?: string | Buffer
  status: number
}[] = [
  {
    name: 'invalid JSON',
    method: 'POST',
    url: '/v1/sessions',
    payload: '{"runAlumno": ',
    status: 400,
  },
  {
    name: '__proto__ key',
    method: 'POST',
    url: '/v1/sessions',
    payload: JSON.stringify(VALID_INTENT).replace('{', '{"__proto__":{"admin":true},'),
    status: 400,
  },
  {
    name: 'constructor.prototype',
    method: 'POST',
    url: '/v1/sessions',
    payload: '{"constructor":{"prototype":{"admin":true}}}',
    status: 400,
  },
  {
    name: '2 MiB body',
    method: 'POST',
    url: '/v1/sessions',
    payload: JSON.stringify({ ...VALID_INTENT, metadata: { x: 'a'.repeat(2 * 1024 * 1024) } }),
    status: 413,
  },
  {
    name: 'multipart',
    method: 'POST',
    url: '/v1/sessions',
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
    payload: '--x\r\nContent-Disposition: form-data; name="runAlumno"\r\n\r\n1-9\r\n--x--\r\n',
    status: 415,
  },
  {
    name: 'text body',
    method: 'POST',
    url: '/v1/sessions',
    headers: { 'content-type': 'text/plain' },
    payload: 'runAlumno=1-9',
    status: 415,
  },
  { name: 'array body', method: 'POST', url: '/v1/sessions', payload: '[1,2]', status: 422 },
  { name: 'empty body', method: 'POST', url: '/v1/sessions', payload: '', status: 422 },
  {
    name: 'NUL in a field',
    method: 'POST',
    url: '/v1/sessions',
    payload: JSON.stringify({ ...VALID_INTENT, codigoCurso: 'CURSO\u0000123456' }),
    status: 400,
  },
  {
    name: 'NUL in metadata',
    method: 'POST',
    url: '/v1/sessions',
    payload: JSON.stringify({ ...VALID_INTENT, metadata: { note: 'a\u0000b' } }),
    status: 400,
  },
  {
    name: 'huge field',
    method: 'POST',
    url: '/v1/sessions',
    payload: JSON.stringify({ ...VALID_INTENT, idSesionAlumno: 'x'.repeat(60_000) }),
    status: 422,
  },
  {
    name: 'deep nesting',
    method: 'POST',
    url: '/v1/sessions',
    payload: `{"metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
    status: 400,
  },
  { name: 'NUL in a query', method: 'GET', url: '/v1/sessions?codigoCurso=a%00b', status: 400 },
  { name: 'repeated query key', method: 'GET', url: '/v1/sessions?limit=1&limit=2', status: 400 },
  { name: 'bad URL encoding', method: 'GET', url: '/v1/sessions/%E0%A4%A', status: 400 },
  { name: 'long id', method: 'GET', url: `/v1/sessions/${'a'.repeat(5000)}`, status: 400 },
  { name: 'close of a non-UUID', method: 'POST', url: '/v1/sessions/abc/close', status: 404 },
  {
    name: 'close body a string',
    method: 'POST',
    url: '/v1/sessions/abc/close',
    payload: '"x"',
    status: 404,
  },
  { name: 'unknown route', method: 'GET', url: '/v1/nothing-here', status: 404 },
  { name: 'unknown method', method: 'DELETE', url: '/v1/sessions', status: 404 },
  {
    name: 'no bearer',
    method: 'GET',
    url: '/v1/sessions',
    headers: { authorization: 'Basic dXNlcjpwYXNz' },
    status: 401,
  },
  {
    name: 'huge bearer',
    method: 'GET',
    url: '/v1/sessions',
    headers: { authorization: `Bearer ${'k'.repeat(8000)}` },
    status: 401,
  },
  {
    name: 'odd Idempotency-Key',
    method: 'POST',
    url: '/v1/sessions',
    headers: { 'idempotency-key': '"\u007f"' },
    payload: JSON.stringify(VALID_INTENT),
    status: 400,
  },
]

t.test('bad input is never a 500', async (t) => {
  const gateway = await startTestGateway(t)
  for (const request of BAD_REQUESTS) {
    const response = await gateway.app.inject({
      method: request.method,
      url: request.url,
      headers: {
        authorization: `Bearer ${gateway.otec.apiKey}`,
        ...(request.payload === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      ...(request.payload === undefined ? {} : { payload: request.payload }),
    })
    t.equal(response.statusCode, request.status, request.name)
    t.match(response.headers['content-type'], /^application\/problem\+json/, request.name)
    const body = response.json()
    const slug = String(body.type).replace('urn:sence-gateway:problem:', '') as ProblemSlug
    t.ok(slug in PROBLEM_TYPES, `${request.name}: a registered type (${body.type})`)
    t.equal(body.status, request.status, `${request.name}: status in the body`)
    t.type(body.detail, 'string', `${request.name}: a detail`)
    t.notMatch(response.body, /\bat .+\.ts:\d+/, `${request.name}: no stack trace`)
  }
  t.equal(await gateway.db.prisma.session.count(), 0, 'no intent was stored')
  t.notOk(
    gateway.logLines.some((line) => Number(line['level']) >= 50),
    'nothing logged as an error',
  )
})

t.test('internal errors hide their cause', async (t) => {
  const gateway = await startTestGateway(t)
  // A sealed Token that no configured key opens: a server fault, not the client's.
  await gateway.db.prisma.otec.update({
    where: { id: gateway.otec.id },
    data: { senceTokenSealed: 'v1:gone:AAAA' },
  })
  const response = await gateway.app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
    payload: VALID_INTENT,
  })
  t.equal(response.statusCode, 500)
  t.equal(response.json().type, 'urn:sence-gateway:problem:internal-error')
  t.match(response.json().detail, response.headers['x-request-id'] as string)
  t.notMatch(response.body, /ENCRYPTION_KEYS|gone/, 'the cause stays in the log')
  t.ok(
    gateway.logLines.some(
      (line) =>
        line['msg'] === 'request failed' && line['reqId'] === response.headers['x-request-id'],
    ),
    'logged with the request id',
  )
})

t.test('prototype keys are named', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = JSON.stringify(VALID_INTENT)
  const cases: [name: string, payload: string, expected: RegExp][] = [
    [
      'top-level __proto__',
      intent.replace('{', '{"__proto__":{"admin":true},'),
      /the key "__proto__" at __proto__, .*rename or remove it/,
    ],
    [
      '__proto__ in metadata',
      intent.replace('{', '{"metadata":{"lms":{"__proto__":{"admin":true}}},'),
      /the key "__proto__" at metadata\.lms\.__proto__/,
    ],
    [
      'constructor.prototype in metadata',
      intent.replace('{', '{"metadata":{"constructor":{"prototype":{"admin":true}}},'),
      /the key "constructor" at metadata\.constructor with a "prototype" key inside/,
    ],
  ]
  for (const [name, payload, expected] of cases) {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: {
        authorization: `Bearer ${gateway.otec.apiKey}`,
        'content-type': 'application/json',
      },
      payload,
    })
    t.equal(response.statusCode, 400, `${name}: status`)
    t.equal(response.json().type, 'urn:sence-gateway:problem:invalid-request', `${name}: type`)
    t.match(response.json().detail, expected, `${name}: the detail names the key`)
  }

  const constructorAlone = await gateway.app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
    payload: { ...VALID_INTENT, metadata: { constructor: 'a string is harmless' } },
  })
  t.equal(constructorAlone.statusCode, 201, 'a constructor key without prototype is accepted')

  const broken = await gateway.app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers: {
      authorization: `Bearer ${gateway.otec.apiKey}`,
      'content-type': 'application/json',
    },
    payload: '{"__proto__": ',
  })
  t.equal(broken.json().detail, 'The body is not valid JSON.', 'invalid JSON keeps its message')
})
