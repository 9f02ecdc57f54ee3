import t from 'tap'
import {
  createIntent,
  gatewayPath,
  getPage,
  VALID_INTENT,
  visitThroughSimulator,
} from '../helpers/browser-flow.ts'
import { startTestGateway } from '../helpers/gateway.ts'

t.test('login and logout through the simulator', async (t) => {
  const gateway = await startTestGateway(t)
  const auth = { authorization: `Bearer ${gateway.otec.apiKey}` }

  const created = await createIntent(gateway, { ...VALID_INTENT, runAlumno: '12.345.678-5' })
  t.equal(created.statusCode, 201)
  t.equal(created.body['status'], 'pending')
  t.equal(created.body['runAlumno'], '12345678-5', 'RUN stored in canonical form')
  t.match(created.body['startUrl'], /^http:\/\/gateway\.test\/go\/[A-Za-z0-9_-]{22}$/)

  const start = await visitThroughSimulator(gateway, created.body['startUrl'])
  t.equal(start.launchForm.action, 'http://gateway.test/simulator/rcetest/Registro/IniciarSesion')
  t.equal(start.launchForm.fields['RunAlumno'], '12345678-5')
  t.equal(start.launchForm.fields['Token'], '12345678-1234-1234-1234-123456789')
  t.match(
    start.launchForm.fields['UrlRetoma'],
    /^http:\/\/gateway\.test\/cb\/[A-Za-z0-9_-]{22}\/ok$/,
  )
  t.equal(start.callbackResponse?.statusCode, 303)
  const startLocation = new URL(start.callbackResponse?.headers.location as string)
  t.equal(startLocation.origin + startLocation.pathname, 'https://lms.example.cl/sence/back')
  t.equal(startLocation.searchParams.get('session'), created.body['id'])
  t.equal(startLocation.searchParams.get('result'), 'started')
  t.equal(startLocation.searchParams.get('error'), null)

  const started = await gateway.app.inject({
    method: 'GET',
    url: `/v1/sessions/${created.body['id']}`,
    headers: auth,
  })
  t.equal(started.json().status, 'started')
  t.match(started.json().idSesionSence, /^\d{12}$/)
  t.equal(started.json().startZonaHoraria, 'America/Santiago')
  t.ok(started.json().startedAt, 'startedAt computed from FechaHora')

  const closing = await gateway.app.inject({
    method: 'POST',
    url: `/v1/sessions/${created.body['id']}/close`,
    headers: auth,
    payload: {},
  })
  t.equal(closing.statusCode, 200)
  t.equal(closing.json().status, 'closing')
  const close = await visitThroughSimulator(gateway, closing.json().closeUrl)
  t.equal(close.launchForm.action, 'http://gateway.test/simulator/rcetest/Registro/CerrarSesion')
  t.equal(close.launchForm.fields['IdSesionSence'], started.json().idSesionSence)
  t.notOk(
    'IdSesionSence' in (close.callbackForm?.fields ?? {}),
    'close callback carries no IdSesionSence',
  )
  t.equal(close.callbackResponse?.statusCode, 303)
  t.equal(
    new URL(close.callbackResponse?.headers.location as string).searchParams.get('result'),
    'closed',
  )

  const closed = await gateway.app.inject({
    method: 'GET',
    url: `/v1/sessions/${created.body['id']}`,
    headers: auth,
  })
  t.equal(closed.json().status, 'closed')
  t.ok(closed.json().closedAt)
  const types = closed.json().events.map((event: { type: string }) => event.type)
  t.same(types, [
    'intent_created',
    'launch_page_served',
    'callback_applied',
    'close_requested',
    'launch_page_served',
    'callback_applied',
  ])

  const webhookEvents = await gateway.db.prisma.webhookEvent.findMany({
    orderBy: { createdAt: 'asc' },
  })
  t.same(
    webhookEvents.map((event) => event.type),
    ['session.started', 'session.closed'],
  )
})

t.test('failed login returns codes to the LMS', async (t) => {
  const gateway = await startTestGateway(t)
  const created = await createIntent(gateway, VALID_INTENT)
  const visit = await visitThroughSimulator(gateway, created.body['startUrl'], { outcome: '308' })
  t.equal(visit.callbackForm?.fields['GlosaError'], '308')
  t.equal(
    visit.callbackForm?.fields['IdSesionSence'],
    '',
    'IdSesionSence present but blank on errors',
  )
  const location = new URL(visit.callbackResponse?.headers.location as string)
  t.equal(location.searchParams.get('result'), 'start_failed')
  t.equal(location.searchParams.get('error'), '308')

  const session = await gateway.app.inject({
    method: 'GET',
    url: `/v1/sessions/${created.body['id']}`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
  })
  t.equal(session.json().status, 'start_failed')
  t.equal(session.json().error.code, 308)
  t.same(session.json().error.codes, [308])
  t.match(session.json().error.guidance, /CodigoCurso/)
})

t.test('wrong RUN at ClaveÚnica gives 311', async (t) => {
  const gateway = await startTestGateway(t)
  const created = await createIntent(gateway, VALID_INTENT)
  const visit = await visitThroughSimulator(gateway, created.body['startUrl'], {
    run: '10000013-K',
  })
  t.equal(visit.callbackForm?.fields['GlosaError'], '311')
  t.equal(
    new URL(visit.callbackResponse?.headers.location as string).searchParams.get('error'),
    '311',
  )
})

t.test('abandoned login posts nothing back', async (t) => {
  const gateway = await startTestGateway(t)
  const created = await createIntent(gateway, VALID_INTENT)
  const visit = await visitThroughSimulator(gateway, created.body['startUrl'], {
    outcome: 'abandon',
  })
  t.equal(visit.callbackForm, null)
  const session = await gateway.db.prisma.session.findUniqueOrThrow({
    where: { id: created.body['id'] },
  })
  t.equal(session.status, 'pending')
})

t.test('auto-approving simulator skips ClaveÚnica', async (t) => {
  const gateway = await startTestGateway(t, { environment: { SIMULATOR_AUTO_APPROVE: '1' } })
  const created = await createIntent(gateway, VALID_INTENT)
  const launch = await getPage(gateway, created.body['startUrl'])
  const { onlyFormOf } = await import('../helpers/html-forms.ts')
  const simulator = await gateway.app.inject({
    method: 'POST',
    url: gatewayPath(onlyFormOf(launch.body).action),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(onlyFormOf(launch.body).fields).toString(),
  })
  const answer = onlyFormOf(simulator.body)
  t.match(answer.action, /\/ok$/, 'first answer posts to UrlRetoma')
  t.match(answer.fields['IdSesionSence'], /^\d{12}$/)
})
