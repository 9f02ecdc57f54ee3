// The eight cases a SENCE gateway must get right, each end to end through
// the API, the simulator and the callback routes. Made-up data:
// 12345678-5 and 10000013-K have valid check digits, 12345678-4 does not.

import t from 'tap'
import {
  createIntent,
  getPage,
  submitForm,
  VALID_INTENT,
  visitThroughSimulator,
} from '../helpers/browser-flow.ts'
import { startTestGateway, TEST_ENCRYPTION_KEYS, type TestGateway } from '../helpers/gateway.ts'
import { freePort, startGatewayProcess, waitForOutput } from '../helpers/gateway-process.ts'
import { onlyFormOf, type HtmlForm } from '../helpers/html-forms.ts'
import { createTestDatabase } from '../helpers/test-database.ts'

/** Follows a start URL up to the simulator's callback form, without posting it to the gateway. */
async function simulatorAnswer(
  gateway: TestGateway,
  startUrl: string,
  outcome: string,
): Promise<HtmlForm> {
  const launch = onlyFormOf((await getPage(gateway, startUrl)).body)
  const login = onlyFormOf((await submitForm(gateway, launch)).body)
  return onlyFormOf((await submitForm(gateway, login, { outcome })).body)
}

async function readSession(gateway: TestGateway, id: string) {
  const response = await gateway.app.inject({
    method: 'GET',
    url: `/v1/sessions/${id}`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
  })
  return response.json()
}

t.test('1. GlosaError with IdSesionSence is a start error', async (t) => {
  const gateway = await startTestGateway(t)
  const created = await createIntent(gateway, VALID_INTENT)
  const answer = await simulatorAnswer(gateway, created.body['startUrl'], '308')
  // The same fields, but SENCE filled IdSesionSence in, and posted to UrlRetoma.
  const response = await submitForm(
    gateway,
    { ...answer, action: answer.action.replace(/\/err$/, '/ok') },
    { IdSesionSence: '123456789012' },
  )
  t.equal(response.statusCode, 303)
  t.equal(new URL(response.headers.location as string).searchParams.get('result'), 'start_failed')

  const session = await readSession(gateway, created.body['id'])
  t.equal(session.status, 'start_failed')
  t.equal(session.idSesionSence, null, 'no IdSesionSence kept from an error')
  t.same(session.error.codes, [308])
})

t.test('2. close without IdSesionSence closes', async (t) => {
  const gateway = await startTestGateway(t)
  const created = await createIntent(gateway, VALID_INTENT)
  await visitThroughSimulator(gateway, created.body['startUrl'])
  const closing = await gateway.app.inject({
    method: 'POST',
    url: `/v1/sessions/${created.body['id']}/close`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
  })
  const visit = await visitThroughSimulator(gateway, closing.json().closeUrl)
  t.notOk('IdSesionSence' in (visit.callbackForm?.fields ?? {}), 'no IdSesionSence sent')
  t.notOk('GlosaError' in (visit.callbackForm?.fields ?? {}), 'no GlosaError sent')
  t.equal(
    new URL(visit.callbackResponse?.headers.location as string).searchParams.get('result'),
    'closed',
  )

  const session = await readSession(gateway, created.body['id'])
  t.equal(session.status, 'closed')
  t.ok(session.closedAt)
})

t.test('3. start OK posted twice', async (t) => {
  const gateway = await startTestGateway(t)
  const created = await createIntent(gateway, VALID_INTENT)
  const answer = await simulatorAnswer(gateway, created.body['startUrl'], 'ok')
  const first = await submitForm(gateway, answer)
  const second = await submitForm(gateway, answer)
  t.equal(first.statusCode, 303)
  t.equal(second.statusCode, 303, 'the repeat sends the browser on too')
  t.equal(second.headers.location, first.headers.location)

  const sessionId = created.body['id']
  t.equal(await gateway.db.prisma.session.count({ where: { id: sessionId, status: 'started' } }), 1)
  const events = await gateway.db.prisma.sessionEvent.findMany({ where: { sessionId } })
  t.equal(events.filter((event) => event.type === 'callback_applied').length, 1, 'one applied')
  t.equal(events.filter((event) => event.type === 'callback_duplicate').length, 1, 'one duplicate')
  t.equal(await gateway.db.prisma.webhookEvent.count({ where: { sessionId } }), 1, 'one webhook')
})

t.test('4. line 1 with blank CodSence', async (t) => {
  const gateway = await startTestGateway(t)
  for (const codSence of [undefined, '', null]) {
    const intent = {
      ...VALID_INTENT,
      lineaCapacitacion: 1,
      codigoCurso: 'RLAB-19-02-08-0071-1',
      codSence,
    }
    const created = await createIntent(gateway, intent)
    t.equal(created.statusCode, 201, `CodSence ${JSON.stringify(codSence)} accepted`)
    t.equal(created.body['codSence'], '')
    const visit = await visitThroughSimulator(gateway, created.body['startUrl'])
    t.equal(visit.launchForm.fields['CodSence'], '', 'sent blank')
    t.equal(visit.launchForm.fields['LineaCapacitacion'], '1')
    t.equal(
      new URL(visit.callbackResponse?.headers.location as string).searchParams.get('result'),
      'started',
      'the simulator accepts it too',
    )
  }
  const withCode = await createIntent(gateway, {
    ...VALID_INTENT,
    lineaCapacitacion: 1,
    codSence: '1234567890',
  })
  t.equal(withCode.statusCode, 422, 'a CodSence in line 1 is a mistake')
  t.same(
    withCode.body['errors'].map((error: { senceCode: number }) => error.senceCode),
    [204],
  )
})

t.test('5. -1 codes by environment', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = { ...VALID_INTENT, codSence: '-1', codigoCurso: '-1' }
  const test = await createIntent(gateway, intent)
  t.equal(test.statusCode, 201, 'test environment accepts -1')
  const visit = await visitThroughSimulator(gateway, test.body['startUrl'])
  t.equal(visit.launchForm.fields['CodSence'], '-1')
  t.equal(
    new URL(visit.callbackResponse?.headers.location as string).searchParams.get('result'),
    'started',
  )

  const production = await gateway.createOtec({ environment: 'production' })
  const before = await gateway.db.prisma.session.count()
  const rejected = await createIntent(gateway, intent, production.apiKey)
  t.equal(rejected.statusCode, 422)
  t.same(
    rejected.body['errors'].map((error: { field: string; senceCode: number }) => [
      error.field,
      error.senceCode,
    ]),
    [
      ['codSence', 204],
      ['codigoCurso', 205],
    ],
  )
  for (const error of rejected.body['errors']) t.match(error.detail, /ambiente de pruebas/)
  t.equal(await gateway.db.prisma.session.count(), before, 'nothing stored, no startUrl')
})

t.test('6. RUN normalised, bad RUN and RUT rejected', async (t) => {
  const gateway = await startTestGateway(t)
  const created = await createIntent(gateway, { ...VALID_INTENT, runAlumno: '12.345.678-5' })
  t.equal(created.statusCode, 201)
  t.equal(created.body['runAlumno'], '12345678-5', 'returned canonical')
  const stored = await gateway.db.prisma.session.findUniqueOrThrow({
    where: { id: created.body['id'] },
  })
  t.equal(stored.runAlumno, '12345678-5', 'stored canonical')
  const visit = await visitThroughSimulator(gateway, created.body['startUrl'])
  t.equal(visit.launchForm.fields['RunAlumno'], '12345678-5', 'sent canonical')

  const lowerK = await createIntent(gateway, { ...VALID_INTENT, runAlumno: '10.000.013-k' })
  t.equal(lowerK.body['runAlumno'], '10000013-K')
  const noDash = await createIntent(gateway, { ...VALID_INTENT, runAlumno: '10000013k' })
  t.equal(noDash.body['runAlumno'], '10000013-K')

  const badRun = await createIntent(gateway, { ...VALID_INTENT, runAlumno: '12345678-4' })
  t.equal(badRun.statusCode, 422)
  t.same(
    badRun.body['errors'].map((error: { field: string; senceCode: number }) => [
      error.field,
      error.senceCode,
    ]),
    [['runAlumno', 207]],
  )

  // The OTEC's RUT is checked when the OTEC is registered. A row changed
  // since then (by hand, or by an older version) is still caught before SENCE.
  await gateway.db.prisma.otec.update({
    where: { id: gateway.otec.id },
    data: { rut: '76543210-4' },
  })
  const badRut = await createIntent(gateway, VALID_INTENT)
  t.equal(badRut.statusCode, 422)
  t.same(
    badRut.body['errors'].map((error: { field: string; senceCode: number }) => [
      error.field,
      error.senceCode,
    ]),
    [['otec.rut', 209]],
  )
})

t.test('7. PUBLIC_BASE_URL and the 100-character limit', async (t) => {
  const db = await createTestDatabase(t)
  const environment = {
    DATABASE_URL: db.url,
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  }
  // Callback URLs add /cb/, a 22-character ticket and /err: 30 characters.
  const tooLong = startGatewayProcess(['serve'], {
    ...environment,
    PORT: String(await freePort()),
    PUBLIC_BASE_URL: `https://${'a'.repeat(63)}`,
  })
  t.teardown(() => tooLong.child.kill('SIGKILL'))
  t.equal(await tooLong.exited, 2, 'the service does not start')
  t.match(tooLong.stderr(), /PUBLIC_BASE_URL: the callback URLs it gives are 101 characters long/)
  t.match(tooLong.stderr(), /1 more than the 100 SENCE accepts/)

  const port = await freePort()
  const fits = startGatewayProcess(['serve'], {
    ...environment,
    PORT: String(port),
    PUBLIC_BASE_URL: `https://${'a'.repeat(62)}`,
  })
  t.teardown(() => fits.child.kill('SIGKILL'))
  await waitForOutput(fits, (out) => out.includes('sence-gateway listening'))
  const health = await fetch(`http://127.0.0.1:${port}/healthz`)
  t.equal(health.status, 200, 'a 100-character callback URL is accepted')
})

t.test('8. callbacks without cookies, unknown tickets', async (t) => {
  const gateway = await startTestGateway(t)
  const created = await createIntent(gateway, VALID_INTENT)
  const answer = await simulatorAnswer(gateway, created.body['startUrl'], 'ok')

  const forged = await gateway.app.inject({
    method: 'POST',
    url: '/cb/AAAAAAAAAAAAAAAAAAAAAA/ok',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(answer.fields).toString(),
  })
  t.equal(forged.statusCode, 404)
  t.match(forged.body, /Este enlace no es válido/)
  t.equal((await readSession(gateway, created.body['id'])).status, 'pending', 'nothing changed')
  t.equal(await gateway.db.prisma.webhookEvent.count(), 0, 'no webhook')
  const rejection = await gateway.db.prisma.sessionEvent.findFirst({
    where: { type: 'callback_rejected', sessionId: null },
  })
  t.equal(rejection?.detail, 'unknown ticket', 'the forged callback is stored')
  t.ok(
    gateway.logLines.some(
      (line) => line['msg'] === 'callback rejected' && line['reason'] === 'unknown',
    ),
    'and logged',
  )

  const real = await gateway.app.inject({
    method: 'POST',
    url: new URL(answer.action).pathname,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(answer.fields).toString(),
  })
  t.equal(real.headers['set-cookie'], undefined, 'no cookie is set')
  t.equal(real.statusCode, 303, 'a callback without any cookie works')
  t.equal((await readSession(gateway, created.body['id'])).status, 'started')
})
