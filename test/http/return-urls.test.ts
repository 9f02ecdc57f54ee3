import t from 'tap'
import { RETURN_URL_MAX_LENGTH } from '../../src/sessions/validate-intent.ts'
import { createIntent, VALID_INTENT, visitThroughSimulator } from '../helpers/browser-flow.ts'
import { startTestGateway } from '../helpers/gateway.ts'

const HOSTILE_RETURN_URLS: [string, string][] = [
  ['other origin', 'https://evil.example.com/back'],
  ['look-alike host', 'https://lms.example.cl.evil.com/back'],
  ['other port', 'https://lms.example.cl:8443/back'],
  ['credentials trick', 'https://lms.example.cl@evil.com/back'],
  ['scheme-relative', '//evil.com/back'],
  ['javascript', 'javascript:alert(1)'],
  ['data', 'data:text/html,<script>alert(1)</script>'],
  ['relative', '/sence/back'],
  ['too long', `https://lms.example.cl/${'a'.repeat(RETURN_URL_MAX_LENGTH)}`],
]

t.test('hostile return URLs are 422', async (t) => {
  const gateway = await startTestGateway(t, {
    otec: { environment: 'production', returnOrigins: ['https://lms.example.cl'] },
  })
  for (const [name, returnUrl] of HOSTILE_RETURN_URLS) {
    const response = await createIntent(gateway, {
      ...VALID_INTENT,
      codSence: '1234567890',
      returnUrl,
    })
    t.equal(response.statusCode, 422, name)
    const errors = response.body['errors'] as { field: string; senceCode: number | null }[]
    t.same(
      errors.map((error) => [error.field, error.senceCode]),
      [['returnUrl', null]],
      `${name}: one returnUrl error`,
    )
  }
  t.equal(await gateway.db.prisma.session.count(), 0, 'no intent exists')
})

t.test('http needs loopback or a test OTEC', async (t) => {
  const gateway = await startTestGateway(t, {
    otec: {
      environment: 'production',
      returnOrigins: ['http://lms.example.cl', 'http://localhost:8080', 'https://lms.example.cl'],
    },
  })
  const plain = await createIntent(gateway, {
    ...VALID_INTENT,
    returnUrl: 'http://lms.example.cl/back',
  })
  t.equal(plain.statusCode, 422, 'plain http for a production OTEC')
  t.match(plain.body['errors'][0].detail, /debe usar https/)

  const loopback = await createIntent(gateway, {
    ...VALID_INTENT,
    returnUrl: 'http://localhost:8080/back',
  })
  t.equal(loopback.statusCode, 201, 'http on localhost')

  const secure = await createIntent(gateway, {
    ...VALID_INTENT,
    returnUrl: 'https://LMS.example.cl:443/back?x=1#top',
  })
  t.equal(secure.statusCode, 201, 'host case and default port do not matter')

  const testOtec = await gateway.createOtec({
    environment: 'test',
    returnOrigins: ['http://lms.example.cl'],
  })
  const testHttp = await createIntent(
    gateway,
    { ...VALID_INTENT, returnUrl: 'http://lms.example.cl/back' },
    testOtec.apiKey,
  )
  t.equal(testHttp.statusCode, 201, 'plain http for a test OTEC')
})

t.test('OTEC without origins rejects returnUrl', async (t) => {
  const gateway = await startTestGateway(t, { otec: { returnOrigins: [] } })
  const response = await createIntent(gateway, VALID_INTENT)
  t.equal(response.statusCode, 422)
  t.match(response.body['errors'][0].detail, /no tiene orígenes permitidos/)
  const withoutUrl = await createIntent(gateway, { ...VALID_INTENT, returnUrl: undefined })
  t.equal(withoutUrl.statusCode, 201, 'no returnUrl: the gateway shows its own page')
})

t.test('origin error joins field errors', async (t) => {
  const gateway = await startTestGateway(t)
  const response = await createIntent(gateway, {
    ...VALID_INTENT,
    runAlumno: '12345678-4',
    returnUrl: 'https://evil.example.com/back',
  })
  t.equal(response.statusCode, 422)
  t.same(
    (response.body['errors'] as { field: string }[]).map((error) => error.field),
    ['runAlumno', 'returnUrl'],
  )
})

t.test('close checks its returnUrl too', async (t) => {
  const gateway = await startTestGateway(t)
  const created = await createIntent(gateway, VALID_INTENT)
  await visitThroughSimulator(gateway, created.body['startUrl'])
  const close = (returnUrl: string) =>
    gateway.app.inject({
      method: 'POST',
      url: `/v1/sessions/${created.body['id']}/close`,
      headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
      payload: { returnUrl },
    })

  const hostile = await close('https://evil.example.com/back')
  t.equal(hostile.statusCode, 422)
  t.equal(hostile.json().errors[0].field, 'returnUrl')
  const session = await gateway.db.prisma.session.findUniqueOrThrow({
    where: { id: created.body['id'] },
  })
  t.equal(session.status, 'started', 'no close was requested')

  const allowed = await close('https://lms.example.cl/after-close')
  t.equal(allowed.statusCode, 200)
  t.equal(allowed.json().status, 'closing')
})
