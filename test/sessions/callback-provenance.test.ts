// Which callbacks count as coming from SENCE's page: the Origin header may
// be SENCE's, the simulator's (the gateway's own origin) for a test OTEC
// while the simulator is on, `null`, or absent. A callback that fails
// either provenance check is stored and logged, changes nothing, gets a
// Spanish page, and leaves the ticket usable for SENCE's real callback.

import { DateTime } from 'luxon'
import t from 'tap'
import { createIntent, gatewayPath, getPage, VALID_INTENT } from '../helpers/browser-flow.ts'
import { PUBLIC_BASE_URL, startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { onlyFormOf } from '../helpers/html-forms.ts'
import { logLinesWith, pendingIntent, readSession, simulatorAnswer } from '../helpers/sessions.ts'

const SENCE_ORIGIN = 'https://sistemas.sence.cl'

/** Posts a callback form with an Origin header, or without one when `origin` is undefined. */
function postWithOrigin(
  gateway: TestGateway,
  action: string,
  fields: Record<string, string>,
  origin: string | undefined,
) {
  return gateway.app.inject({
    method: 'POST',
    url: gatewayPath(action),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(origin === undefined ? {} : { origin }),
    },
    payload: new URLSearchParams(fields).toString(),
  })
}

t.test('origins accepted for a test OTEC', async (t) => {
  const gateway = await startTestGateway(t)
  const origins = [undefined, 'null', SENCE_ORIGIN, PUBLIC_BASE_URL]
  for (const origin of origins) {
    const intent = await pendingIntent(gateway)
    const answer = await simulatorAnswer(gateway, intent.startUrl)
    const response = await postWithOrigin(gateway, answer.action, answer.fields, origin)
    t.equal(response.statusCode, 303, `Origin ${origin ?? '(absent)'}: redirected`)
    const session = await readSession(gateway, intent.id)
    t.equal(session.status, 'started', `Origin ${origin ?? '(absent)'}: started`)
  }
})

t.test('origins for a production OTEC', async (t) => {
  const gateway = await startTestGateway(t)
  const production = await gateway.createOtec({ environment: 'production' })

  // Production intents go to SENCE itself, so the callback is built by hand.
  const callbackFor = async () => {
    const created = await createIntent(gateway, VALID_INTENT, production.apiKey)
    t.equal(created.statusCode, 201, 'production intent created')
    const launch = onlyFormOf((await getPage(gateway, created.body['startUrl'])).body)
    t.match(launch.action, /^https:\/\/sistemas\.sence\.cl\/rce\//, 'sent to SENCE')
    const fields = {
      CodSence: launch.fields['CodSence'] ?? '',
      CodigoCurso: launch.fields['CodigoCurso'] ?? '',
      IdSesionAlumno: launch.fields['IdSesionAlumno'] ?? '',
      IdSesionSence: '4711',
      RunAlumno: launch.fields['RunAlumno'] ?? '',
      FechaHora: DateTime.now().setZone('America/Santiago').toFormat('yyyy-MM-dd HH:mm:ss'),
      ZonaHoraria: 'America/Santiago',
      LineaCapacitacion: launch.fields['LineaCapacitacion'] ?? '',
    }
    return { id: created.body['id'] as string, action: launch.fields['UrlRetoma'] ?? '', fields }
  }

  const fromSimulator = await callbackFor()
  const rejected = await postWithOrigin(
    gateway,
    fromSimulator.action,
    fromSimulator.fields,
    PUBLIC_BASE_URL,
  )
  t.equal(rejected.statusCode, 403, 'the simulator does not stand in for production')
  t.equal((await readSession(gateway, fromSimulator.id)).status, 'pending')

  const fromSence = await callbackFor()
  const applied = await postWithOrigin(gateway, fromSence.action, fromSence.fields, SENCE_ORIGIN)
  t.equal(applied.statusCode, 303, "SENCE's origin is accepted")
  t.equal((await readSession(gateway, fromSence.id)).status, 'started')
})

t.test('foreign origin, then SENCE', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)
  const answer = await simulatorAnswer(gateway, intent.startUrl)

  const forged = await postWithOrigin(gateway, answer.action, answer.fields, 'https://evil.example')
  t.equal(forged.statusCode, 403)
  t.match(forged.body, /Esta respuesta no viene de SENCE/, 'Spanish page')
  t.match(forged.body, new RegExp(intent.id), 'the page shows the session as reference')

  const afterForgery = await readSession(gateway, intent.id)
  t.equal(afterForgery.status, 'pending', 'nothing changed')
  t.equal(afterForgery.webhookEvents.length, 0, 'no webhook')
  const event = afterForgery.events.at(-1)
  t.equal(event?.type, 'callback_rejected', 'stored as a rejected callback')
  t.match(event?.detail, /Origin https:\/\/evil\.example is not/, 'the event names the origin')
  t.match(event?.request, { origin: 'https://evil.example' }, 'the provenance is stored')
  const logged = logLinesWith(gateway, 'callback rejected').at(-1)
  t.equal(logged?.['reason'], 'foreign_origin', 'logged with its reason')
  t.equal(logged?.['origin'], 'https://evil.example', 'logged with the origin')
  t.equal(logged?.['sessionId'], intent.id, 'logged with the session id')

  const genuine = await postWithOrigin(gateway, answer.action, answer.fields, 'null')
  t.equal(genuine.statusCode, 303, "SENCE's callback still applies")
  t.equal((await readSession(gateway, intent.id)).status, 'started')
})

t.test('foreign origin on a used ticket', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)
  const answer = await simulatorAnswer(gateway, intent.startUrl)
  const applied = await postWithOrigin(gateway, answer.action, answer.fields, undefined)
  t.equal(applied.statusCode, 303)

  const forged = await postWithOrigin(gateway, answer.action, answer.fields, 'https://evil.example')
  t.equal(forged.statusCode, 403, 'no redirect, not even the first result')
  const session = await readSession(gateway, intent.id)
  t.equal(session.events.at(-1)?.type, 'callback_rejected')
})

t.test('callback before the launch page', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)
  const ticket = new URL(intent.startUrl).pathname.split('/')[2] as string
  const fields = {
    CodSence: VALID_INTENT.codSence,
    CodigoCurso: VALID_INTENT.codigoCurso,
    IdSesionAlumno: intent.id,
    IdSesionSence: '4711',
    RunAlumno: VALID_INTENT.runAlumno,
    FechaHora: DateTime.now().setZone('America/Santiago').toFormat('yyyy-MM-dd HH:mm:ss'),
    ZonaHoraria: 'America/Santiago',
    LineaCapacitacion: String(VALID_INTENT.lineaCapacitacion),
  }

  const forged = await postWithOrigin(gateway, `/cb/${ticket}/ok`, fields, undefined)
  t.equal(forged.statusCode, 403)
  t.match(forged.body, /nunca pasó por SENCE/, 'Spanish page')
  const session = await readSession(gateway, intent.id)
  t.equal(session.status, 'pending', 'nothing changed')
  t.equal(session.webhookEvents.length, 0, 'no webhook')
  t.equal(session.tickets[0]?.launchedAt, null, 'the ticket was never launched')
  t.equal(session.events.at(-1)?.type, 'callback_rejected')
  t.match(session.events.at(-1)?.detail, /launch page of this ticket was never served/)
  t.equal(logLinesWith(gateway, 'callback rejected').at(-1)?.['reason'], 'not_launched')

  const launch = await getPage(gateway, intent.startUrl)
  t.equal(launch.statusCode, 200, 'the ticket is still usable')
  const launched = await readSession(gateway, intent.id)
  t.ok(launched.tickets[0]?.launchedAt instanceof Date, 'the launch is recorded')

  const applied = await postWithOrigin(gateway, `/cb/${ticket}/ok`, fields, undefined)
  t.equal(applied.statusCode, 303, 'the same callback applies once the page was served')
  t.equal((await readSession(gateway, intent.id)).status, 'started')
})
