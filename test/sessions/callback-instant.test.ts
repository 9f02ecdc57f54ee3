// The start and close instants: FechaHora is used inside its window (the
// launch to the callback's arrival, widened by FECHA_HORA_SKEW_MS on each
// side), the arrival time outside it, and the API and webhooks show which.

import t from 'tap'
import { DEFAULT_SENCE_ZONE, formatFechaHora } from '../../src/protocol/sence-time.ts'
import { chooseCallbackInstant, FECHA_HORA_SKEW_MS } from '../../src/sessions/callback-instant.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import {
  pendingIntent,
  postCallback,
  readSession,
  requestCloseThroughApi,
  simulatorAnswer,
  startSession,
} from '../helpers/sessions.ts'

const LEFT = new Date('2026-12-04T13:00:00.000Z')
const RECEIVED = new Date('2026-12-04T13:10:00.000Z')
const at = (base: Date, offsetMs: number) => new Date(base.getTime() + offsetMs)

t.test('chooseCallbackInstant window', async (t) => {
  const window = { leftForSence: LEFT, receivedAt: RECEIVED }
  const cases: [string, Date | null, 'fecha_hora' | 'received'][] = [
    ['unreadable FechaHora', null, 'received'],
    ['between launch and arrival', at(LEFT, 60_000), 'fecha_hora'],
    ['at the earliest bound', at(LEFT, -FECHA_HORA_SKEW_MS), 'fecha_hora'],
    ['just before the earliest bound', at(LEFT, -FECHA_HORA_SKEW_MS - 1), 'received'],
    ['at the latest bound', at(RECEIVED, FECHA_HORA_SKEW_MS), 'fecha_hora'],
    ['just after the latest bound', at(RECEIVED, FECHA_HORA_SKEW_MS + 1), 'received'],
    ['years earlier', new Date('2020-01-01T11:00:00Z'), 'received'],
    ['years later', new Date('2099-12-31T11:00:00Z'), 'received'],
  ]
  for (const [name, fechaHora, source] of cases) {
    const chosen = chooseCallbackInstant(fechaHora, window)
    t.equal(chosen.source, source, `${name}: source`)
    t.equal(
      chosen.instant.getTime(),
      source === 'fecha_hora' ? fechaHora?.getTime() : RECEIVED.getTime(),
      `${name}: instant`,
    )
  }
})

t.test('chooseCallbackInstant after the start', async (t) => {
  const started = at(LEFT, 120_000)
  const window = { leftForSence: LEFT, receivedAt: RECEIVED, after: started }
  t.equal(chooseCallbackInstant(started, window).source, 'received', 'the start itself')
  t.equal(chooseCallbackInstant(at(started, -1000), window).source, 'received', 'before it')
  t.equal(chooseCallbackInstant(at(started, 1000), window).source, 'fecha_hora', 'after it')
  t.equal(
    chooseCallbackInstant(at(started, 1000), { ...window, after: null }).source,
    'fecha_hora',
    'no start to compare',
  )
})

t.test("SENCE's FechaHora is used", async (t) => {
  const gateway = await startTestGateway(t)
  const started = await startSession(gateway)
  const close = await requestCloseThroughApi(gateway, started.id)
  const closeForm = await simulatorAnswer(gateway, close.json().closeUrl)
  // FechaHora has whole seconds, so a close a second after the start is
  // the first whose FechaHora is later than the start's.
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const closeFechaHora = formatFechaHora(new Date(), DEFAULT_SENCE_ZONE)
  const closed = await postCallback(gateway, closeForm.action, {
    ...closeForm.fields,
    FechaHora: closeFechaHora,
  })
  t.equal(closed.statusCode, 303)

  const session = await readSession(gateway, started.id)
  t.equal(session.startedAtSource, 'fecha_hora', 'start from FechaHora')
  t.equal(session.closedAtSource, 'fecha_hora', 'close from FechaHora')
  t.equal(session.closeFechaHora, closeFechaHora)
  const read = await gateway.app.inject({
    method: 'GET',
    url: `/v1/sessions/${started.id}`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
  })
  t.equal(read.json().startedAtSource, 'fecha_hora', 'the API shows the start source')
  t.equal(read.json().closedAtSource, 'fecha_hora', 'the API shows the close source')
})

t.test('edited FechaHora in API and webhook', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)
  const answer = await simulatorAnswer(gateway, intent.startUrl)
  const before = Date.now()
  const posted = await postCallback(gateway, answer.action, {
    ...answer.fields,
    FechaHora: '2020-01-01 08:00:00',
  })
  t.equal(posted.statusCode, 303)

  const session = await readSession(gateway, intent.id)
  t.equal(session.startedAtSource, 'received')
  t.ok((session.startedAt?.getTime() ?? 0) >= before, 'startedAt is the arrival time')
  t.equal(session.startFechaHora, '2020-01-01 08:00:00', 'FechaHora kept as received')
  const applied = session.events.find((event) => event.type === 'callback_applied')
  t.match(applied?.fields, { FechaHora: '2020-01-01 08:00:00' }, 'the event keeps it too')
  const webhook = session.webhookEvents[0]?.payload as { data: Record<string, unknown> }
  t.equal(webhook.data['startedAtSource'], 'received', 'the webhook shows the source')
  t.equal(webhook.data['startFechaHora'], '2020-01-01 08:00:00')
})
