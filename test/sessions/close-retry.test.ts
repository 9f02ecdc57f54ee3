// A failed close can be retried, an abandoned close can be started again
// (the new ticket superseding the old), and any other status gets a 409
// problem that names it.

import t from 'tap'
import { expireSessions } from '../../src/sessions/expire-sessions.ts'
import { getPage, visitThroughSimulator } from '../helpers/browser-flow.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import {
  pendingIntent,
  postCallback,
  readSession,
  requestCloseThroughApi,
  simulatorAnswer,
  startSession,
} from '../helpers/sessions.ts'

t.test('close retried after close_failed', async (t) => {
  const gateway = await startTestGateway(t)
  const started = await startSession(gateway)

  const first = await requestCloseThroughApi(gateway, started.id)
  const failed = await visitThroughSimulator(gateway, first.json().closeUrl, { outcome: '313' })
  const failedAt = new URL(failed.callbackResponse?.headers.location as string)
  t.equal(failedAt.searchParams.get('result'), 'close_failed')
  t.equal(failedAt.searchParams.get('error'), '313')
  t.equal((await readSession(gateway, started.id)).status, 'close_failed')

  const retry = await requestCloseThroughApi(gateway, started.id)
  t.equal(retry.statusCode, 200)
  t.equal(retry.json().status, 'closing')
  t.equal(retry.json().error.code, 313, 'the last failure stays visible while closing')
  t.not(retry.json().closeUrl, first.json().closeUrl, 'a new ticket')

  const closed = await visitThroughSimulator(gateway, retry.json().closeUrl)
  t.equal(
    new URL(closed.callbackResponse?.headers.location as string).searchParams.get('result'),
    'closed',
  )
  const session = await readSession(gateway, started.id)
  t.equal(session.status, 'closed')
  t.same(session.errorCodes, [], 'the error is cleared')
  t.same(
    session.webhookEvents.map((event) => event.type),
    ['session.started', 'session.close_failed', 'session.closed'],
  )
  t.same(
    session.events.filter((event) => event.toStatus !== null).map((event) => event.toStatus),
    ['pending', 'started', 'closing', 'close_failed', 'closing', 'closed'],
  )
})

t.test('close_failed days ago retried', async (t) => {
  const gateway = await startTestGateway(t)
  const started = await startSession(gateway)
  const first = await requestCloseThroughApi(gateway, started.id)
  await visitThroughSimulator(gateway, first.json().closeUrl, { outcome: '313' })

  // Move the whole session three days back, as if the close failed then.
  const daysAgo = (date: Date | null) =>
    date === null ? null : new Date(date.getTime() - 3 * 24 * 60 * 60 * 1000)
  const { prisma } = gateway.db
  const old = await readSession(gateway, started.id)
  await prisma.session.update({
    where: { id: started.id },
    data: {
      createdAt: daysAgo(old.createdAt) as Date,
      pendingExpiresAt: daysAgo(old.pendingExpiresAt) as Date,
      startedAt: daysAgo(old.startedAt),
      closeFailedAt: daysAgo(old.closeFailedAt),
    },
  })
  for (const ticket of old.tickets)
    await prisma.ticket.update({
      where: { id: ticket.id },
      data: {
        createdAt: daysAgo(ticket.createdAt) as Date,
        expiresAt: daysAgo(ticket.expiresAt) as Date,
        launchedAt: daysAgo(ticket.launchedAt),
        usedAt: daysAgo(ticket.usedAt),
      },
    })

  const retry = await requestCloseThroughApi(gateway, started.id)
  t.equal(retry.statusCode, 200, 'an old failed close can be retried')
  t.equal(retry.json().status, 'closing')
  const closed = await visitThroughSimulator(gateway, retry.json().closeUrl)
  t.equal(closed.callbackResponse?.statusCode, 303)
  const session = await readSession(gateway, started.id)
  t.equal(session.status, 'closed')
  t.equal(session.closedAtSource, 'fecha_hora', "the new close's FechaHora is used")
})

t.test('abandoned close superseded by a new one', async (t) => {
  const gateway = await startTestGateway(t)
  const started = await startSession(gateway)
  const first = await requestCloseThroughApi(gateway, started.id)
  // The student reached SENCE with the first ticket and never came back.
  const abandoned = await simulatorAnswer(gateway, first.json().closeUrl)

  const second = await requestCloseThroughApi(gateway, started.id, {
    returnUrl: 'https://lms.example.cl/sence/closed',
  })
  t.equal(second.statusCode, 200)
  t.equal(second.json().status, 'closing')
  const tickets = (await readSession(gateway, started.id)).tickets
  t.same(
    tickets.map((ticket) => `${ticket.kind}:${ticket.status}`),
    ['start:used', 'close:superseded', 'close:issued'],
  )

  const oldLaunch = await getPage(gateway, first.json().closeUrl)
  t.equal(oldLaunch.statusCode, 410)
  t.match(oldLaunch.body, 'Este enlace fue reemplazado')
  const oldCallback = await postCallback(gateway, abandoned.action, abandoned.fields)
  t.equal(oldCallback.statusCode, 410, 'the old ticket changes nothing')
  t.match(oldCallback.body, 'Este enlace fue reemplazado')
  const afterOld = await readSession(gateway, started.id)
  t.equal(afterOld.status, 'closing')
  t.equal(afterOld.events.at(-1)?.type, 'callback_rejected')
  t.equal(afterOld.events.at(-1)?.detail, 'superseded ticket')

  const close = await visitThroughSimulator(gateway, second.json().closeUrl)
  const location = new URL(close.callbackResponse?.headers.location as string)
  t.equal(location.pathname, '/sence/closed', "the new close's return URL")
  t.equal(location.searchParams.get('result'), 'closed')
  t.equal((await readSession(gateway, started.id)).status, 'closed')
})

t.test('close of other statuses is 409', async (t) => {
  const gateway = await startTestGateway(t)

  const expired = await pendingIntent(gateway)
  await expireSessions(gateway.db.prisma, { now: new Date(Date.now() + 2 * 3600_000) })
  const pending = await pendingIntent(gateway)
  const startFailed = await startSession(gateway, { outcome: '308' })
  const closed = await startSession(gateway)
  const closing = await requestCloseThroughApi(gateway, closed.id)
  await visitThroughSimulator(gateway, closing.json().closeUrl)

  const cases: [string, string][] = [
    [pending.id, 'pending'],
    [startFailed.id, 'start_failed'],
    [expired.id, 'expired'],
    [closed.id, 'closed'],
  ]
  for (const [id, status] of cases) {
    const response = await requestCloseThroughApi(gateway, id)
    t.equal(response.statusCode, 409, status)
    t.match(response.headers['content-type'], /^application\/problem\+json/)
    t.equal(response.json().type, 'urn:sence-gateway:problem:invalid-state')
    t.equal(response.json().sessionStatus, status)
    t.match(response.json().detail, `is ${status};`, `${status}: the detail names the status`)
    t.equal((await readSession(gateway, id)).status, status, `${status}: unchanged`)
  }
})
