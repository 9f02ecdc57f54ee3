// A close that fails after the session's maximum length is explained as a
// session that ran too long, with both meanings of SENCE's 301.

import t from 'tap'
import { closeFailureOverrun } from '../../src/sessions/session-length.ts'
import { visitThroughSimulator } from '../helpers/browser-flow.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { readSession, requestCloseThroughApi, startSession } from '../helpers/sessions.ts'

const TABLE_MEANING_301 = 'Línea de Capacitación o Código de Curso incorrecto'

/** Starts a session, moves its start `minutesAgo` into the past, and fails its close with `code`. */
async function failCloseAfter(
  gateway: TestGateway,
  minutesAgo: number,
  code: string,
  intent: Record<string, unknown> = {},
) {
  const started = await startSession(gateway, { intent })
  await gateway.db.prisma.session.update({
    where: { id: started.id },
    data: { startedAt: new Date(Date.now() - minutesAgo * 60_000) },
  })
  const closing = await requestCloseThroughApi(gateway, started.id)
  const visit = await visitThroughSimulator(gateway, closing.json().closeUrl, { outcome: code })
  const api = await gateway.app.inject({
    method: 'GET',
    url: `/v1/sessions/${started.id}`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
  })
  return { id: started.id, visit, view: api.json() }
}

t.test('301 after the maximum length', async (t) => {
  const gateway = await startTestGateway(t)
  const { id, view } = await failCloseAfter(gateway, 200, '301')

  t.equal(view.status, 'close_failed')
  t.equal(view.maxDurationMinutes, 180, "the OTEC's default")
  t.equal(view.error.code, 301)
  t.match(view.error.guidance, /llevaba 20\d minutos abierta/)
  t.match(view.error.guidance, 'duración máxima de 180 minutos')
  t.match(view.error.guidance, 'SENCE responde 301', 'the field reports')
  t.match(view.error.guidance, TABLE_MEANING_301, "the table's meaning")
  t.match(view.error.message, 'más que el máximo de 180 minutos')

  const webhook = (await readSession(gateway, id)).webhookEvents.at(-1)
  const payload = webhook?.payload as { type: string; data: { error: { guidance: string } } }
  t.equal(payload.type, 'session.close_failed')
  t.equal(payload.data.error.guidance, view.error.guidance, 'the webhook carries the guidance')
})

t.test('301 within the maximum length', async (t) => {
  const gateway = await startTestGateway(t)
  const { view } = await failCloseAfter(gateway, 100, '301')
  t.equal(view.error.code, 301)
  t.notMatch(view.error.guidance, 'duración máxima', 'no length guidance')
  t.match(view.error.guidance, 'Revise LineaCapacitacion y CodigoCurso')
})

t.test('another code after the maximum length', async (t) => {
  const gateway = await startTestGateway(t)
  const { view } = await failCloseAfter(gateway, 200, '300')
  t.equal(view.error.code, 300)
  t.match(view.error.guidance, 'duración máxima de 180 minutos')
  t.match(view.error.guidance, TABLE_MEANING_301)
  t.match(view.error.guidance, 'Error interno de SENCE', "and the code's own guidance")
})

t.test('shorter maximum asked by the intent', async (t) => {
  const gateway = await startTestGateway(t)
  const { view, visit } = await failCloseAfter(gateway, 70, '301', {
    maxDurationMinutes: 60,
    returnUrl: undefined,
  })
  t.equal(view.maxDurationMinutes, 60)
  t.match(view.error.guidance, 'duración máxima de 60 minutos')

  t.equal(visit.callbackResponse?.statusCode, 200, 'no return URL: the result page')
  t.match(visit.callbackResponse?.body, 'SENCE no registró el cierre de tu sesión')
  t.match(visit.callbackResponse?.body, 'más que el máximo de 60 minutos')
  t.match(visit.callbackResponse?.body, 'Código SENCE 301')
})

t.test('maximum longer than the OTEC allows is rejected', async (t) => {
  const gateway = await startTestGateway(t, { otec: { maxSessionMinutes: 120 } })
  const response = await gateway.app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
    payload: {
      runAlumno: '12345678-5',
      codSence: '1234567890',
      codigoCurso: 'RLAB-19-02-08-0071-1',
      lineaCapacitacion: 3,
      maxDurationMinutes: 121,
    },
  })
  t.equal(response.statusCode, 422)
  t.equal(response.json().errors[0].field, 'maxDurationMinutes')
})

t.test('overrun boundary', async (t) => {
  const start = new Date('2026-03-01T12:00:00Z')
  const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000)
  const session = {
    startedAt: start,
    createdAt: at(-1),
    maxDurationMinutes: 180,
    closeFailedAt: at(180),
  }
  t.equal(closeFailureOverrun(session), null, 'exactly the maximum is not over')
  t.same(closeFailureOverrun({ ...session, closeFailedAt: at(181) }), {
    minutesOpen: 181,
    maxDurationMinutes: 180,
  })
  t.equal(closeFailureOverrun({ ...session, closeFailedAt: null }), null, 'no failed close')
  t.same(
    closeFailureOverrun({ ...session, startedAt: null, closeFailedAt: at(180) }),
    { minutesOpen: 181, maxDurationMinutes: 180 },
    'counts from the intent without a start instant',
  )
})
