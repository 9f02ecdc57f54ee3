// startedAt may take a FechaHora up to 5 minutes after the start callback
// arrived, since SENCE's clock may run ahead of the gateway's. A close
// whose FechaHora is not trusted (it repeats the start's time, as some
// SENCE versions send, or cannot be read) falls back to the close
// callback's arrival, which can be earlier than that startedAt. It must
// then take the start's instant: a closedAt before startedAt would give an
// OTEC a negative length, and GET /v1/attendance would count the session
// as 0 minutes although SENCE registered both its start and its close.

import t from 'tap'
import { formatFechaHora } from '../../src/protocol/sence-time.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import {
  pendingIntent,
  postCallback,
  readSession,
  requestCloseThroughApi,
  simulatorAnswer,
} from '../helpers/sessions.ts'

/** How far SENCE's clock runs ahead of the gateway's here: inside the 5 minutes trusted. */
const SENCE_CLOCK_AHEAD_MS = 4 * 60 * 1000

t.test('close soon after a start from a clock ahead', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)

  const start = await simulatorAnswer(gateway, intent.startUrl)
  const startFechaHora = formatFechaHora(new Date(Date.now() + SENCE_CLOCK_AHEAD_MS))
  const started = await postCallback(gateway, start.action, {
    ...start.fields,
    FechaHora: startFechaHora,
  })
  t.equal(started.statusCode, 303, 'the start is applied')

  // The student closes at once, and the close repeats the start's FechaHora.
  const close = await requestCloseThroughApi(gateway, intent.id)
  const closeForm = await simulatorAnswer(gateway, close.json().closeUrl)
  const closed = await postCallback(gateway, closeForm.action, {
    ...closeForm.fields,
    FechaHora: startFechaHora,
  })
  t.equal(closed.statusCode, 303, 'the close is applied')

  const session = await readSession(gateway, intent.id)
  t.equal(session.status, 'closed', 'the session is closed')
  t.equal(session.startedAtSource, 'fecha_hora', 'the start took FechaHora')
  const startedAt = session.startedAt?.getTime() ?? NaN
  const closedAt = session.closedAt?.getTime() ?? NaN
  t.ok(
    closedAt >= startedAt,
    `stored closedAt ${session.closedAt?.toISOString()} is not before startedAt ${session.startedAt?.toISOString()}`,
  )

  const view = await gateway.app.inject({
    method: 'GET',
    url: `/v1/sessions/${intent.id}`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
  })
  const body = view.json()
  t.ok(
    Date.parse(body.closedAt) >= Date.parse(body.startedAt),
    `the API's closedAt ${body.closedAt} is not before its startedAt ${body.startedAt}`,
  )

  const webhook = session.webhookEvents.find((event) => event.type === 'session.closed')
  const data = (webhook?.payload as { data?: { startedAt: string; closedAt: string } })?.data
  t.ok(data, 'a session.closed webhook is recorded')
  t.ok(
    Date.parse(data?.closedAt ?? '') >= Date.parse(data?.startedAt ?? ''),
    `the webhook's closedAt ${data?.closedAt} is not before its startedAt ${data?.startedAt}`,
  )
})
