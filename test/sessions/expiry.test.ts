// SENCE sends nothing when a student abandons ClaveÚnica: pending intents
// expire on their own with a session.expired webhook, abandoned close
// tickets expire too, and neither blocks the student's next attempt.

import t from 'tap'
import { connectDatabase } from '../../src/persistence/database.ts'
import { expireSessions } from '../../src/sessions/expire-sessions.ts'
import { startExpirySweeper } from '../../src/sessions/expiry-sweeper.ts'
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

const seconds = (date: Date, count: number) => new Date(date.getTime() + count * 1000)

t.test('pending intent expires after PENDING_TTL_SECONDS', async (t) => {
  const gateway = await startTestGateway(t, { environment: { PENDING_TTL_SECONDS: '60' } })
  const intent = await pendingIntent(gateway)
  const answer = await simulatorAnswer(gateway, intent.startUrl)
  const created = await readSession(gateway, intent.id)
  t.equal(created.pendingExpiresAt.getTime() - created.createdAt.getTime(), 60_000)

  const early = await expireSessions(gateway.db.prisma, { now: seconds(created.createdAt, 59) })
  t.same(early.expiredSessionIds, [], 'nothing expires before the TTL')

  const due = await expireSessions(gateway.db.prisma, { now: seconds(created.createdAt, 60) })
  t.same(due.expiredSessionIds, [intent.id])
  t.same(due.failures, [])

  const session = await readSession(gateway, intent.id)
  t.equal(session.status, 'expired')
  t.equal(session.tickets[0]?.status, 'expired', 'start ticket expired with it')
  const expiredEvent = session.events.at(-1)
  t.equal(expiredEvent?.type, 'session_expired')
  t.equal(expiredEvent?.fromStatus, 'pending')
  t.equal(expiredEvent?.toStatus, 'expired')
  t.same(
    session.webhookEvents.map((event) => event.type),
    ['session.expired'],
  )
  const payload = session.webhookEvents[0]?.payload as { type: string; data: { status: string } }
  t.equal(payload.type, 'session.expired')
  t.equal(payload.data.status, 'expired', 'the webhook carries the expired session')

  const again = await expireSessions(gateway.db.prisma, { now: seconds(created.createdAt, 600) })
  t.same(again.expiredSessionIds, [], 'expired once')

  const launch = await getPage(gateway, intent.startUrl)
  t.equal(launch.statusCode, 410)
  t.match(launch.body, 'Este enlace venció')
  const late = await postCallback(gateway, answer.action, answer.fields)
  t.equal(late.statusCode, 410, 'a late callback changes nothing')
  t.equal((await readSession(gateway, intent.id)).status, 'expired')
  t.equal((await readSession(gateway, intent.id)).webhookEvents.length, 1)
})

t.test('new intent for the same student and course', async (t) => {
  const gateway = await startTestGateway(t)
  const abandoned = await pendingIntent(gateway)
  const abandonVisit = await visitThroughSimulator(gateway, abandoned.startUrl, {
    outcome: 'abandon',
  })
  t.equal(abandonVisit.callbackForm, null, 'SENCE posted nothing back')

  const retry = await startSession(gateway)
  t.equal(retry.visit.callbackResponse?.statusCode, 303, 'works while the first is pending')
  t.equal((await readSession(gateway, retry.id)).status, 'started')

  const created = (await readSession(gateway, abandoned.id)).createdAt
  const swept = await expireSessions(gateway.db.prisma, { now: seconds(created, 3600) })
  t.same(swept.expiredSessionIds, [abandoned.id], 'only the abandoned intent expires')
  t.equal((await readSession(gateway, retry.id)).status, 'started')

  const afterExpiry = await startSession(gateway)
  t.equal(afterExpiry.visit.callbackResponse?.statusCode, 303, 'works after it expired')
  t.equal((await readSession(gateway, afterExpiry.id)).status, 'started')
})

t.test('abandoned close ticket expires', async (t) => {
  const gateway = await startTestGateway(t)
  const started = await startSession(gateway)
  const closing = await requestCloseThroughApi(gateway, started.id)
  const abandonedUrl = closing.json().closeUrl
  await visitThroughSimulator(gateway, abandonedUrl, { outcome: 'abandon' })

  const ticket = (await readSession(gateway, started.id)).tickets[1]
  const swept = await expireSessions(gateway.db.prisma, {
    now: seconds(ticket?.expiresAt as Date, 1),
  })
  t.same(swept.expiredCloseTicketIds, [ticket?.id])
  t.same(swept.expiredSessionIds, [])

  const session = await readSession(gateway, started.id)
  t.equal(session.status, 'closing', 'the session waits for a new close')
  t.equal(session.tickets[1]?.status, 'expired')
  t.equal(session.events.at(-1)?.type, 'close_ticket_expired')
  t.same(
    session.webhookEvents.map((event) => event.type),
    ['session.started'],
    'no webhook for an abandoned close',
  )

  const old = await getPage(gateway, abandonedUrl)
  t.equal(old.statusCode, 410)

  const retry = await requestCloseThroughApi(gateway, started.id)
  t.equal(retry.statusCode, 200)
  const close = await visitThroughSimulator(gateway, retry.json().closeUrl)
  t.equal(close.callbackResponse?.statusCode, 303)
  t.equal((await readSession(gateway, started.id)).status, 'closed')
})

t.test('expiry sweeper', async (t) => {
  const gateway = await startTestGateway(t)
  const due = await pendingIntent(gateway)
  await gateway.db.prisma.session.update({
    where: { id: due.id },
    data: { pendingExpiresAt: new Date(Date.now() - 1000) },
  })

  const sweeper = startExpirySweeper({
    prisma: gateway.db.prisma,
    logger: gateway.services.logger,
    intervalMs: 50,
  })
  const deadline = Date.now() + 5000
  while ((await readSession(gateway, due.id)).status !== 'expired' && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20))
  await sweeper.stop()
  t.equal((await readSession(gateway, due.id)).status, 'expired', 'expired by the sweeper')
  const logged = gateway.logLines.find(
    (line) => line['msg'] === 'expired sessions and close tickets',
  )
  t.equal(logged?.['expiredSessions'], 1)

  const later = await pendingIntent(gateway)
  await gateway.db.prisma.session.update({
    where: { id: later.id },
    data: { pendingExpiresAt: new Date(Date.now() - 1000) },
  })
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal((await readSession(gateway, later.id)).status, 'pending', 'nothing runs after stop')
  await expireSessions(gateway.db.prisma)
})

t.test('failed sweep is logged and retried', async (t) => {
  const gateway = await startTestGateway(t)
  const closed = connectDatabase(gateway.db.url, 1)
  await closed.close()

  const sweeper = startExpirySweeper({
    prisma: closed.prisma,
    logger: gateway.services.logger,
    intervalMs: 20,
  })
  const deadline = Date.now() + 5000
  const failures = () =>
    gateway.logLines.filter((line) => line['msg'] === 'expiry sweep failed').length
  while (failures() < 2 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20))
  await sweeper.stop()
  t.ok(failures() >= 2, 'each failed run is logged and the next one still runs')
})
