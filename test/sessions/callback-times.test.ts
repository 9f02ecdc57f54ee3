// FechaHora comes back through the student's browser, which can change it
// before the auto-post leaves. A start or close instant taken from it must
// stay between the intent's creation and the moment the callback arrived
// (give or take a few minutes of clock difference with SENCE), or the
// attendance minutes become whatever the browser wrote.

import t from 'tap'
import { startTestGateway } from '../helpers/gateway.ts'
import {
  pendingIntent,
  postCallback,
  readSession,
  requestCloseThroughApi,
  simulatorAnswer,
} from '../helpers/sessions.ts'

/** Clock difference with SENCE that a FechaHora may show without being distrusted. */
const SKEW_MS = 10 * 60 * 1000

t.test('edited FechaHora on start and close', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)
  const created = (await readSession(gateway, intent.id)).createdAt

  const start = await simulatorAnswer(gateway, intent.startUrl)
  const started = await postCallback(gateway, start.action, {
    ...start.fields,
    FechaHora: '2020-01-01 08:00:00',
  })
  t.equal(started.statusCode, 303)

  const close = await requestCloseThroughApi(gateway, intent.id)
  const closeForm = await simulatorAnswer(gateway, close.json().closeUrl)
  const closed = await postCallback(gateway, closeForm.action, {
    ...closeForm.fields,
    FechaHora: '2099-12-31 23:00:00',
  })
  t.equal(closed.statusCode, 303)
  const closeReceivedAt = Date.now()

  const session = await readSession(gateway, intent.id)
  t.equal(session.status, 'closed')
  t.ok(
    session.startedAt !== null && session.startedAt.getTime() >= created.getTime() - SKEW_MS,
    `startedAt ${session.startedAt?.toISOString()} is not long before the intent (${created.toISOString()})`,
  )
  t.ok(
    session.closedAt !== null && session.closedAt.getTime() <= closeReceivedAt + SKEW_MS,
    `closedAt ${session.closedAt?.toISOString()} is not in the future`,
  )
  t.equal(session.startFechaHora, '2020-01-01 08:00:00', 'the raw start FechaHora is kept')
  t.equal(session.closeFechaHora, '2099-12-31 23:00:00', 'the raw close FechaHora is kept')

  const attendance = await gateway.app.inject({
    method: 'GET',
    url: `/v1/attendance?codigoCurso=${session.codigoCurso}`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
  })
  const minutes = attendance.json().data[0]?.totalMinutes as number
  const elapsedMinutes = (closeReceivedAt - created.getTime()) / 60_000
  t.ok(
    minutes <= Math.ceil(elapsedMinutes + (2 * SKEW_MS) / 60_000),
    `attendance counts ${minutes} minutes for a session that lasted under ${Math.ceil(elapsedMinutes)}`,
  )
})
