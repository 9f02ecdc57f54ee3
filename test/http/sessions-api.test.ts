import t from 'tap'
import { createIntent, VALID_INTENT } from '../helpers/browser-flow.ts'
import { startTestGateway } from '../helpers/gateway.ts'

t.test('POST /v1/sessions', async (t) => {
  const gateway = await startTestGateway(t)

  t.test('missing API key is 401 problem', async (t) => {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      payload: VALID_INTENT,
    })
    t.equal(response.statusCode, 401)
    t.match(response.headers['content-type'], /^application\/problem\+json/)
    t.equal(response.json().type, 'urn:sence-gateway:problem:unauthorized')
  })

  t.test('unknown API key is 401', async (t) => {
    const response = await createIntent(
      gateway,
      VALID_INTENT,
      'sk_test_nottherightkeyatallnottherightkey',
    )
    t.equal(response.statusCode, 401)
  })

  t.test('invalid RUN is 422 with 207', async (t) => {
    const response = await createIntent(gateway, { ...VALID_INTENT, runAlumno: '12345678-4' })
    t.equal(response.statusCode, 422)
    t.equal(response.body['type'], 'urn:sence-gateway:problem:validation-error')
    t.equal(response.body['status'], 422)
    t.same(response.body['errors'], [
      {
        field: 'runAlumno',
        senceCode: 207,
        detail:
          'El RUN del alumno tiene un dígito verificador incorrecto (recibido: "12345678-4").',
      },
    ])
    t.equal(await gateway.db.prisma.session.count(), 0, 'no intent stored')
  })

  t.test('several broken rules in one 422', async (t) => {
    const response = await createIntent(gateway, {
      runAlumno: '',
      codigoCurso: '123',
      lineaCapacitacion: 4,
    })
    t.equal(response.statusCode, 422)
    const byField = Object.fromEntries(
      (response.body['errors'] as { field: string; senceCode: number }[]).map((error) => [
        error.field,
        error.senceCode,
      ]),
    )
    t.same(byField, { runAlumno: 200, lineaCapacitacion: 206, codigoCurso: 205 })
  })

  t.test('wrong types and unknown keys are 422', async (t) => {
    const response = await createIntent(gateway, {
      ...VALID_INTENT,
      runAlumno: 12345678,
      lineaCapacitacion: { line: 3 },
      metadata: 'x',
      runalumno: '12345678-5',
    })
    t.equal(response.statusCode, 422)
    t.same(response.body['errors'], [
      { field: 'runAlumno', senceCode: 207, detail: 'runAlumno debe ser un texto.' },
      {
        field: 'lineaCapacitacion',
        senceCode: 206,
        detail: 'lineaCapacitacion debe ser un número entero.',
      },
      { field: 'metadata', senceCode: null, detail: 'metadata debe ser un objeto JSON.' },
      { field: 'runalumno', senceCode: null, detail: 'El campo runalumno no existe en esta API.' },
    ])
  })

  t.test('body that is not JSON is 400', async (t) => {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: {
        authorization: `Bearer ${gateway.otec.apiKey}`,
        'content-type': 'application/json',
      },
      payload: '{"runAlumno": ',
    })
    t.equal(response.statusCode, 400)
    t.equal(response.json().type, 'urn:sence-gateway:problem:invalid-request')
  })

  t.test('form body is 415', async (t) => {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: {
        authorization: `Bearer ${gateway.otec.apiKey}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'runAlumno=12345678-5',
    })
    t.equal(response.statusCode, 415)
    t.equal(response.json().type, 'urn:sence-gateway:problem:unsupported-media-type')
  })

  t.test('created intent is 201 with startUrl', async (t) => {
    const response = await createIntent(gateway, {
      ...VALID_INTENT,
      idSesionAlumno: 'lms-42',
      metadata: { course: 7 },
    })
    t.equal(response.statusCode, 201)
    t.equal(response.body['idSesionAlumno'], 'lms-42')
    t.same(response.body['metadata'], { course: 7 })
    t.equal(response.body['maxDurationMinutes'], 180)
    t.equal(response.body['error'], null)
  })
})

t.test('sessions are scoped to their OTEC', async (t) => {
  const gateway = await startTestGateway(t)
  const other = await gateway.createOtec()
  const created = await createIntent(gateway, VALID_INTENT)

  const own = await gateway.app.inject({
    method: 'GET',
    url: `/v1/sessions/${created.body['id']}`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
  })
  t.equal(own.statusCode, 200)

  for (const url of [
    `/v1/sessions/${created.body['id']}`,
    '/v1/sessions/00000000-0000-4000-8000-000000000000',
    '/v1/sessions/not-a-uuid',
  ]) {
    const response = await gateway.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${other.apiKey}` },
    })
    t.equal(response.statusCode, 404, url)
    t.equal(response.json().type, 'urn:sence-gateway:problem:not-found', url)
  }

  const foreignClose = await gateway.app.inject({
    method: 'POST',
    url: `/v1/sessions/${created.body['id']}/close`,
    headers: { authorization: `Bearer ${other.apiKey}` },
  })
  t.equal(foreignClose.statusCode, 404, 'another OTEC cannot close it')
  const missingClose = await gateway.app.inject({
    method: 'POST',
    url: '/v1/sessions/00000000-0000-4000-8000-000000000000/close',
    headers: { authorization: `Bearer ${other.apiKey}` },
  })
  t.equal(missingClose.statusCode, 404)
  t.equal(foreignClose.json().type, missingClose.json().type, 'same type as a missing session')
  t.equal(foreignClose.json().title, missingClose.json().title, 'same title as a missing session')
})

t.test('close of a pending session is 409', async (t) => {
  const gateway = await startTestGateway(t)
  const created = await createIntent(gateway, VALID_INTENT)
  const response = await gateway.app.inject({
    method: 'POST',
    url: `/v1/sessions/${created.body['id']}/close`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
  })
  t.equal(response.statusCode, 409)
  t.equal(response.json().type, 'urn:sence-gateway:problem:invalid-state')
  t.equal(response.json().sessionStatus, 'pending')
})

t.test('API settings', async (t) => {
  const { loadSettings, SettingsError } = await import('../../src/config/settings.ts')
  const base = {
    DATABASE_URL: 'postgresql://localhost/x',
    ENCRYPTION_KEYS: 'k:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
  }
  t.equal(loadSettings(base).trustProxy, false)
  t.equal(loadSettings({ ...base, TRUST_PROXY: '1' }).trustProxy, 1, 'digits are a hop count')
  t.equal(loadSettings({ ...base, TRUST_PROXY: '0' }).trustProxy, false)
  t.equal(loadSettings({ ...base, TRUST_PROXY: 'on' }).trustProxy, true)
  t.same(loadSettings({ ...base, TRUST_PROXY: '10.0.0.0/8, ::1' }).trustProxy, [
    '10.0.0.0/8',
    '::1',
  ])
  t.equal(loadSettings(base).rateLimitPerKeyPerMinute, 600)

  const error = (() => {
    try {
      loadSettings({ ...base, TRUST_PROXY: '10.0.0.0/33', ADMIN_API_KEY: 'short-secret' })
    } catch (caught) {
      return caught as InstanceType<typeof SettingsError>
    }
    throw new Error('expected a SettingsError')
  })()
  t.equal(error.problems.length, 2)
  t.match(error.problems.join('\n'), /TRUST_PROXY: .*not an address or range: 10\.0\.0\.0\/33/)
  t.match(error.problems.join('\n'), /ADMIN_API_KEY: must be at least 32 characters/)
  t.notMatch(error.message, 'short-secret', 'the admin key is not echoed')
})
