// The ticket is in the startUrl, which the LMS hands to the student's
// browser, so the student (or whatever read that URL) can post a "started"
// callback without ever going to SENCE and ClaveÚnica. Two facts tell such
// a post from SENCE's. SENCE learns the ticket only from the launch page, so
// a ticket whose launch page was never served cannot come back from SENCE.
// A browser posting from SENCE's page sends Origin https://sistemas.sence.cl
// (or null after a no-referrer page), never a third site's origin.

import t from 'tap'
import { startTestGateway } from '../helpers/gateway.ts'
import { pendingIntent, readSession, simulatorAnswer } from '../helpers/sessions.ts'
import { gatewayPath } from '../helpers/browser-flow.ts'

const CALLBACK_FIELDS = {
  CodSence: '1234567890',
  CodigoCurso: 'RLAB-19-02-08-0071-1',
  RunAlumno: '12345678-5',
  IdSesionSence: '1',
  FechaHora: '2026-12-04 10:00:00',
  ZonaHoraria: 'America/Santiago',
  LineaCapacitacion: '3',
}

t.test('callback for a ticket never launched', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)
  const ticket = new URL(intent.startUrl).pathname.split('/')[2] as string
  const forged = await gateway.app.inject({
    method: 'POST',
    url: `/cb/${ticket}/ok`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ ...CALLBACK_FIELDS, IdSesionAlumno: intent.id }).toString(),
  })
  t.not(forged.statusCode, 303, 'no redirect to the LMS with result=started')
  const session = await readSession(gateway, intent.id)
  t.equal(session.status, 'pending', 'the session is not started')
  t.equal(session.webhookEvents.length, 0, 'no webhook')
})

t.test('callback from a third-party origin', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)
  // The launch page is served, so only the Origin gives the post away.
  const answer = await simulatorAnswer(gateway, intent.startUrl)
  const forged = await gateway.app.inject({
    method: 'POST',
    url: gatewayPath(answer.action),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: 'https://evil.example',
    },
    payload: new URLSearchParams(answer.fields).toString(),
  })
  t.not(forged.statusCode, 303, 'no redirect to the LMS with result=started')
  const session = await readSession(gateway, intent.id)
  t.equal(session.status, 'pending', 'the session is not started')
})
