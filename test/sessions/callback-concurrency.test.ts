// Many requests for one session at once, over a pool of several database
// connections: the session's row lock and the conditional updates must let
// exactly one of them change anything.

import t from 'tap'
import { expireSessions } from '../../src/sessions/expire-sessions.ts'
import { STORED_BROWSER_EVENTS_PER_TICKET } from '../../src/sessions/session-events.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { createIntent, VALID_INTENT } from '../helpers/browser-flow.ts'
import {
  countEvents,
  pendingIntent,
  postCallback,
  readSession,
  requestCloseThroughApi,
  simulatorAnswer,
  startSession,
} from '../helpers/sessions.ts'
import { connectDatabase } from '../../src/persistence/database.ts'

const PARALLEL_POSTS = 40

t.test('parallel posts of one start callback', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)
  const form = await simulatorAnswer(gateway, intent.startUrl)

  const responses = await Promise.all(
    Array.from({ length: PARALLEL_POSTS }, () => postCallback(gateway, form.action, form.fields)),
  )

  const statuses = new Set(responses.map((response) => response.statusCode))
  t.same([...statuses], [303], 'every post is redirected')
  const locations = new Set(responses.map((response) => response.headers.location))
  t.equal(locations.size, 1, 'every post gets the same location')
  t.equal(
    new URL([...locations][0] as string).searchParams.get('result'),
    'started',
    'with the first result',
  )

  const session = await readSession(gateway, intent.id)
  t.equal(session.status, 'started')
  const types = session.events.map((event) => event.type)
  t.equal(types.filter((type) => type === 'callback_applied').length, 1, 'one transition')
  // The launch page is the ticket's first browser event, and the limit
  // stores the duplicates up to STORED_BROWSER_EVENTS_PER_TICKET in all.
  t.equal(
    session.tickets[0]?.browserEventCount,
    1 + PARALLEL_POSTS - 1,
    'every other post is counted as a duplicate',
  )
  t.equal(
    types.filter((type) => type === 'callback_duplicate').length,
    STORED_BROWSER_EVENTS_PER_TICKET - 1,
    'duplicates are stored up to the limit',
  )
  t.same(
    session.webhookEvents.map((event) => event.type),
    ['session.started'],
    'one webhook',
  )
  t.equal(session.tickets[0]?.status, 'used')
})

t.test('parallel success and error callbacks of one ticket', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)
  const ok = await simulatorAnswer(gateway, intent.startUrl, 'ok')
  const failed = await simulatorAnswer(gateway, intent.startUrl, '308')
  t.match(failed.action, /\/err$/)

  const responses = await Promise.all(
    Array.from({ length: PARALLEL_POSTS }, (_, index) =>
      index % 2 === 0
        ? postCallback(gateway, ok.action, ok.fields)
        : postCallback(gateway, failed.action, failed.fields),
    ),
  )

  const session = await readSession(gateway, intent.id)
  const applied = session.events.filter((event) => event.type === 'callback_applied')
  t.equal(applied.length, 1, 'one transition')
  t.equal(session.webhookEvents.length, 1, 'one webhook')
  const results = new Set(
    responses.map((response) =>
      new URL(response.headers.location as string).searchParams.get('result'),
    ),
  )
  t.same([...results], [session.status], 'every post reports the transition that won')
})

t.test('parallel close callbacks and close requests', async (t) => {
  const gateway = await startTestGateway(t)
  const started = await startSession(gateway)
  const closing = await requestCloseThroughApi(gateway, started.id)
  const closeForm = await simulatorAnswer(gateway, closing.json().closeUrl)

  // Close callbacks race with new close requests, which supersede the ticket.
  const requests = Array.from({ length: PARALLEL_POSTS }, (_, index) =>
    index % 4 === 0
      ? requestCloseThroughApi(gateway, started.id)
      : postCallback(gateway, closeForm.action, closeForm.fields),
  )
  const responses = await Promise.all(requests)
  t.notOk(
    responses.some((response) => response.statusCode >= 500),
    'no request fails with a 5xx',
  )

  const session = await readSession(gateway, started.id)
  const closes = session.events.filter(
    (event) => event.type === 'callback_applied' && event.toStatus === 'closed',
  )
  const issued = session.tickets.filter((ticket) => ticket.status === 'issued')
  if (session.status === 'closed') {
    t.equal(closes.length, 1, 'closed once')
    t.equal(issued.length, 0, 'no ticket left waiting')
  } else {
    t.equal(session.status, 'closing', 'a new close request won before any callback')
    t.equal(closes.length, 0)
    t.equal(issued.length, 1, 'one ticket waiting')
  }
  t.equal(
    session.webhookEvents.filter((event) => event.type === 'session.closed').length,
    closes.length,
    'a webhook per close',
  )
})

t.test('expiry sweeps racing with a late callback', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)
  const form = await simulatorAnswer(gateway, intent.startUrl)
  const session = await readSession(gateway, intent.id)
  const afterExpiry = new Date(session.pendingExpiresAt.getTime() + 1000)

  // Sweeps from other connection pools, as other processes would run them.
  const others = Array.from({ length: 3 }, () => connectDatabase(gateway.db.url, 3))
  t.teardown(() => Promise.all(others.map((db) => db.close())))

  const [callback, ...sweeps] = await Promise.all([
    postCallback(gateway, form.action, form.fields),
    expireSessions(gateway.db.prisma, { now: afterExpiry }),
    ...others.map((db) => expireSessions(db.prisma, { now: afterExpiry })),
  ])

  const after = await readSession(gateway, intent.id)
  const expiredBy = sweeps.filter((sweep) => sweep.expiredSessionIds.includes(intent.id))
  if (after.status === 'expired') {
    t.equal(expiredBy.length, 1, 'one sweep expired it')
    t.equal(callback.statusCode, 410, 'the callback found it expired')
    t.same(
      after.webhookEvents.map((event) => event.type),
      ['session.expired'],
    )
  } else {
    t.equal(after.status, 'started', 'the callback came first')
    t.equal(expiredBy.length, 0)
    t.same(
      after.webhookEvents.map((event) => event.type),
      ['session.started'],
    )
  }
  t.same(
    sweeps.flatMap((sweep) => sweep.failures),
    [],
    'no sweep failed',
  )
})

t.test('parallel sweeps expire each session once', async (t) => {
  const gateway = await startTestGateway(t)
  const ids: string[] = []
  for (let index = 0; index < 30; index += 1) {
    const created = await createIntent(gateway, {
      ...VALID_INTENT,
      idSesionAlumno: `lms-${index}`,
    })
    ids.push(created.body['id'])
  }
  const later = new Date(Date.now() + 3600_000)
  const others = Array.from({ length: 4 }, () => connectDatabase(gateway.db.url, 2))
  t.teardown(() => Promise.all(others.map((db) => db.close())))

  const sweeps = await Promise.all(
    others.map((db) => expireSessions(db.prisma, { now: later, batchSize: 7 })),
  )

  const expired = sweeps.flatMap((sweep) => sweep.expiredSessionIds).sort()
  t.same(expired, [...ids].sort(), 'every session expired by exactly one sweep')
  t.equal(
    await gateway.db.prisma.webhookEvent.count({ where: { type: 'session.expired' } }),
    ids.length,
    'one webhook per session',
  )
  t.equal(await countEvents(gateway, 'session_expired'), ids.length)
})
