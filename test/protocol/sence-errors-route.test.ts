import t from 'tap'
import { ANEXO_2_CODES, describeSenceError } from '../../src/protocol/error-table.ts'
import { startTestGateway } from '../helpers/gateway.ts'

t.test('GET /v1/sence-errors', async (t) => {
  const gateway = await startTestGateway(t)
  const get = (url: string, apiKey: string | null = gateway.otec.apiKey) =>
    gateway.app.inject({
      method: 'GET',
      url,
      headers: apiKey === null ? {} : { authorization: `Bearer ${apiKey}` },
    })

  t.test('lists every Anexo 2 code', async (t) => {
    const response = await get('/v1/sence-errors')
    t.equal(response.statusCode, 200)
    const { data } = response.json() as { data: Record<string, unknown>[] }
    t.same(
      data.map((entry) => entry['code']),
      ANEXO_2_CODES,
    )
    for (const entry of data) {
      const code = entry['code'] as number
      t.same(entry, { ...describeSenceError(code), known: true }, `${code} as in the table`)
    }
  })

  t.test('explains one code', async (t) => {
    const response = await get('/v1/sence-errors/308')
    t.equal(response.statusCode, 200)
    t.same(response.json(), { ...describeSenceError(308), known: true })
  })

  t.test('unknown code is generic', async (t) => {
    const response = await get('/v1/sence-errors/210')
    t.equal(response.statusCode, 200)
    t.equal(response.json().known, false)
    t.equal(response.json().code, 210)
    t.equal(response.json().message, describeSenceError(210).message)
  })

  t.test('non-numeric code is 400', async (t) => {
    const response = await get('/v1/sence-errors/abc')
    t.equal(response.statusCode, 400)
    t.match(response.headers['content-type'], /^application\/problem\+json/)
  })

  t.test('needs an API key', async (t) => {
    const response = await get('/v1/sence-errors', null)
    t.equal(response.statusCode, 401)
  })

  t.test('documented in OpenAPI', async (t) => {
    const document = (await gateway.app.inject({ method: 'GET', url: '/openapi.json' })).json()
    t.ok(document.paths['/v1/sence-errors']?.get, 'list')
    t.ok(document.paths['/v1/sence-errors/{code}']?.get, 'one code')
  })
})
