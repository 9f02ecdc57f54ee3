import t from 'tap'
import { createIntent, VALID_INTENT } from '../helpers/browser-flow.ts'
import { nextTestRut, startTestGateway, type TestGateway } from '../helpers/gateway.ts'

const ADMIN_API_KEY = 'admin-key-for-tests-0123456789abcdef'
const SENCE_TOKEN = 'ABCDEF12-3456-7890-ABCD-EF1234567890'

function admin(
  gateway: TestGateway,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
  key = ADMIN_API_KEY,
) {
  return gateway.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${key}` },
    ...(payload === undefined ? {} : { payload }),
  })
}

t.test('admin API off without ADMIN_API_KEY', async (t) => {
  const gateway = await startTestGateway(t)
  const response = await admin(gateway, 'GET', '/v1/admin/otecs')
  t.equal(response.statusCode, 401)
  t.match(response.json().detail, /set ADMIN_API_KEY/)
})

t.test('admin API', async (t) => {
  const gateway = await startTestGateway(t, { environment: { ADMIN_API_KEY } })

  t.test('wrong keys are 401', async (t) => {
    for (const key of ['wrong', gateway.otec.apiKey, ADMIN_API_KEY + 'x']) {
      const response = await admin(gateway, 'GET', '/v1/admin/otecs', undefined, key)
      t.equal(response.statusCode, 401, key.slice(0, 8))
      t.equal(response.json().type, 'urn:sence-gateway:problem:unauthorized')
    }
    const adminOnSessions = await createIntent(gateway, VALID_INTENT, ADMIN_API_KEY)
    t.equal(adminOnSessions.statusCode, 401)
    t.match(adminOnSessions.body['detail'], /admin key works on \/v1\/admin only/)
  })

  t.test('create, read, update an OTEC', async (t) => {
    const rut = nextTestRut()
    const created = await admin(gateway, 'POST', '/v1/admin/otecs', {
      rut,
      name: 'OTEC Admin',
      environment: 'production',
      senceToken: SENCE_TOKEN,
      returnOrigins: ['https://campus.example.cl/'],
    })
    t.equal(created.statusCode, 201)
    const body = created.json()
    t.match(body.apiKey, /^sk_live_[A-Za-z0-9_-]{32}$/)
    t.equal(body.webhookSecret, null)
    t.same(body.otec.returnOrigins, ['https://campus.example.cl'])
    t.notMatch(created.body, SENCE_TOKEN, 'the Token is not in the response')

    const intent = await createIntent(
      gateway,
      { ...VALID_INTENT, returnUrl: 'https://campus.example.cl/back' },
      body.apiKey,
    )
    t.equal(intent.statusCode, 201, 'the new key works')

    const shown = await admin(gateway, 'GET', `/v1/admin/otecs/${body.otec.id}`)
    t.equal(shown.statusCode, 200)
    t.equal(shown.json().apiKeys.length, 1)
    t.type(shown.json().apiKeys[0].lastUsedAt, 'string', 'last use recorded')
    t.notMatch(shown.body, SENCE_TOKEN)

    const listed = await admin(gateway, 'GET', '/v1/admin/otecs')
    t.ok(listed.json().data.some((otec: { id: string }) => otec.id === body.otec.id))

    const patched = await admin(gateway, 'PATCH', `/v1/admin/otecs/${body.otec.id}`, {
      name: 'OTEC Renombrada',
      addReturnOrigins: ['https://otro.example.cl'],
      removeReturnOrigins: ['https://campus.example.cl'],
      maxSessionMinutes: 90,
      senceToken: 'NUEVO-TOKEN-0000',
    })
    t.equal(patched.statusCode, 200)
    t.equal(patched.json().name, 'OTEC Renombrada')
    t.same(patched.json().returnOrigins, ['https://otro.example.cl'])
    t.equal(patched.json().maxSessionMinutes, 90)
    t.notMatch(patched.body, 'NUEVO-TOKEN')
    const stored = await gateway.db.prisma.otec.findUniqueOrThrow({ where: { id: body.otec.id } })
    t.equal(gateway.secrets.open(stored.senceTokenSealed), 'NUEVO-TOKEN-0000')
  })

  t.test('environment change stops old keys', async (t) => {
    const created = await admin(gateway, 'POST', '/v1/admin/otecs', {
      rut: nextTestRut(),
      name: 'OTEC que pasa a producción',
      senceToken: SENCE_TOKEN,
      returnOrigins: ['https://lms.example.cl'],
    })
    const { otec, apiKey } = created.json()
    t.match(apiKey, /^sk_test_/)
    await admin(gateway, 'PATCH', `/v1/admin/otecs/${otec.id}`, { environment: 'production' })

    const rejected = await createIntent(gateway, VALID_INTENT, apiKey)
    t.equal(rejected.statusCode, 401)
    t.match(rejected.body['detail'], /issued for the test environment/)

    const issued = await admin(gateway, 'POST', `/v1/admin/otecs/${otec.id}/api-keys`, {
      name: 'producción',
    })
    t.equal(issued.statusCode, 201)
    t.match(issued.json().apiKey, /^sk_live_/)
    t.equal(issued.json().key.environment, 'production')
    const accepted = await createIntent(gateway, VALID_INTENT, issued.json().apiKey)
    t.equal(accepted.statusCode, 201)
    t.equal(accepted.body['environment'], 'production')
  })

  t.test('rotate and revoke keys', async (t) => {
    const created = await admin(gateway, 'POST', '/v1/admin/otecs', {
      rut: nextTestRut(),
      name: 'OTEC con llaves',
      senceToken: SENCE_TOKEN,
      returnOrigins: ['https://lms.example.cl'],
    })
    const { otec, apiKey: first } = created.json()
    const second = await admin(gateway, 'POST', `/v1/admin/otecs/${otec.id}/api-keys`)
    t.equal(second.statusCode, 201, 'no body needed')
    t.equal((await createIntent(gateway, VALID_INTENT, first)).statusCode, 201)
    t.equal((await createIntent(gateway, VALID_INTENT, second.json().apiKey)).statusCode, 201)

    const rotated = await admin(gateway, 'POST', `/v1/admin/otecs/${otec.id}/api-keys`, {
      revokeOthers: true,
    })
    t.equal(rotated.json().revokedCount, 2)
    t.equal((await createIntent(gateway, VALID_INTENT, first)).statusCode, 401)
    t.equal((await createIntent(gateway, VALID_INTENT, second.json().apiKey)).statusCode, 401)
    const third = rotated.json().apiKey
    t.equal((await createIntent(gateway, VALID_INTENT, third)).statusCode, 201)

    const revoked = await admin(
      gateway,
      'DELETE',
      `/v1/admin/otecs/${otec.id}/api-keys/${rotated.json().key.id}`,
    )
    t.equal(revoked.statusCode, 200)
    t.type(revoked.json().revokedAt, 'string')
    t.equal((await createIntent(gateway, VALID_INTENT, third)).statusCode, 401)

    const keys = await admin(gateway, 'GET', `/v1/admin/otecs/${otec.id}/api-keys`)
    t.equal(keys.json().data.length, 3)
    t.ok(keys.json().data.every((key: { revokedAt: string | null }) => key.revokedAt !== null))
    t.notMatch(keys.body, third, 'listings never show a key')

    const otherOtecKey = await admin(
      gateway,
      'DELETE',
      `/v1/admin/otecs/${gateway.otec.id}/api-keys/${rotated.json().key.id}`,
    )
    t.equal(otherOtecKey.statusCode, 404, 'a key is revoked through its own OTEC only')
  })

  t.test('invalid and duplicate OTECs', async (t) => {
    const invalid = await admin(gateway, 'POST', '/v1/admin/otecs', {
      rut: '76543210-4',
      name: ' ',
      senceToken: 'x'.repeat(40),
      returnOrigins: ['https://lms.example.cl/path'],
    })
    t.equal(invalid.statusCode, 422)
    t.same(
      invalid.json().errors.map((error: { field: string }) => error.field),
      ['rut', 'name', 'senceToken', 'returnOrigins'],
    )
    t.notMatch(invalid.body, 'x'.repeat(40), 'the Token is not echoed')

    const wrongType = await admin(gateway, 'POST', '/v1/admin/otecs', { rut: 7 })
    t.equal(wrongType.statusCode, 400)
    t.equal(wrongType.json().type, 'urn:sence-gateway:problem:invalid-request')

    const existing = await gateway.db.prisma.otec.findUniqueOrThrow({
      where: { id: gateway.otec.id },
    })
    const duplicate = await admin(gateway, 'POST', '/v1/admin/otecs', {
      rut: existing.rut,
      name: 'Otra',
      senceToken: SENCE_TOKEN,
    })
    t.equal(duplicate.statusCode, 409)
    t.equal(duplicate.json().type, 'urn:sence-gateway:problem:already-exists')

    for (const url of [
      '/v1/admin/otecs/not-a-uuid',
      '/v1/admin/otecs/00000000-0000-4000-8000-000000000000',
    ]) {
      t.equal((await admin(gateway, 'GET', url)).statusCode, 404, url)
      t.equal((await admin(gateway, 'PATCH', url, { name: 'x' })).statusCode, 404, url)
    }
  })

  t.test('no secret in the logs', async (t) => {
    const text = gateway.logText()
    t.notMatch(text, SENCE_TOKEN)
    t.notMatch(text, 'NUEVO-TOKEN')
    t.notMatch(text, ADMIN_API_KEY)
    t.notMatch(text, gateway.otec.apiKey)
  })
})
