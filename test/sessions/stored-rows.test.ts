// The hot use cases write their rows with hand-written SQL instead of
// Prisma's model calls. These tests read the rows back through Prisma and
// check that the SQL wrote what the model calls would have: every column,
// the defaults, and the session each use case returns.

import t, { type Test } from 'tap'
import { findApiKey } from '../../src/http/authenticate.ts'
import { sha256Hex } from '../../src/security/random-tokens.ts'
import { createLoginIntent } from '../../src/sessions/create-intent.ts'
import { findTicketWithSession } from '../../src/sessions/prepare-launch.ts'
import { toSessionView } from '../../src/sessions/session-view.ts'
import { VALID_INTENT } from '../helpers/browser-flow.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import {
  pendingIntent,
  postCallback,
  readSession,
  requestCloseThroughApi,
  simulatorAnswer,
} from '../helpers/sessions.ts'

const INTENT_SETTINGS = { publicBaseUrl: 'http://gateway.test', pendingTtlSeconds: 600 }

t.test('created intent matches its stored rows', async (t) => {
  const gateway = await startTestGateway(t)
  const { prisma } = gateway.db
  const otec = await prisma.otec.findUniqueOrThrow({ where: { id: gateway.otec.id } })
  const cases = [
    VALID_INTENT,
    {
      ...VALID_INTENT,
      returnUrl: null,
      idSesionAlumno: 'alumno-42',
      maxDurationMinutes: 90,
      metadata: { zeta: 1, alfa: { anidado: [1, 'dos', null] }, b: 'ñandú' },
    },
  ]

  for (const body of cases) {
    const before = Date.now()
    const created = await createLoginIntent(prisma, INTENT_SETTINGS, otec, 'token', body)
    if (!created.ok) throw new Error(`intent rejected: ${JSON.stringify(created.errors)}`)
    const stored = await prisma.session.findUniqueOrThrow({
      where: { id: created.session.id },
      include: { tickets: true, events: true },
    })
    const { tickets, events, ...storedSession } = stored
    t.strictSame(created.session, storedSession, 'the returned session is the stored row')
    t.equal(stored.status, 'pending')
    t.equal(stored.environment, otec.environment)
    t.equal(stored.rutOtec, otec.rut)
    t.same(stored.errorCodes, [])
    t.equal(stored.startZoneAssumed, false)
    t.equal(stored.pendingExpiresAt.getTime(), stored.createdAt.getTime() + 600_000)
    t.ok(stored.createdAt.getTime() >= before - 1, 'createdAt is the time of the request')
    t.equal(stored.updatedAt.getTime(), stored.createdAt.getTime())

    t.equal(tickets.length, 1, 'one ticket')
    const [ticket] = tickets
    t.equal(ticket?.kind, 'start')
    t.equal(ticket?.status, 'issued')
    t.equal(ticket?.environment, stored.environment)
    t.equal(ticket?.returnUrl, stored.returnUrl)
    t.equal(ticket?.expiresAt.getTime(), stored.pendingExpiresAt.getTime())
    const ticketValue = new URL(created.startUrl).pathname.split('/').at(-1) as string
    t.equal(ticket?.ticketHash, sha256Hex(ticketValue), 'the ticket of startUrl is stored hashed')

    t.equal(events.length, 1, 'one event')
    t.match(events[0], {
      type: 'intent_created',
      fromStatus: null,
      toStatus: 'pending',
      ticketId: null,
      createdAt: stored.createdAt,
    })
  }
})

t.test('API key lookup reads the key and its OTEC', async (t) => {
  const gateway = await startTestGateway(t)
  const { prisma } = gateway.db
  const keyHash = sha256Hex(gateway.otec.apiKey)
  const expected = await prisma.apiKey.findUniqueOrThrow({
    where: { keyHash },
    include: { otec: true },
  })

  const found = await findApiKey(prisma, keyHash)
  t.strictSame(found?.otec, expected.otec, 'the OTEC as Prisma reads it')
  t.equal(found?.id, expected.id)
  t.equal(found?.otecId, expected.otecId)
  t.equal(found?.prefix, expected.prefix)
  t.same(found?.lastUsedAt, expected.lastUsedAt)
  t.equal(found?.revokedAt, null)
  t.equal(await findApiKey(prisma, sha256Hex('sk_test_unknown')), null, 'an unknown key')
})

/** Adds an endpoint to the gateway's OTEC; the OTEC's own endpoint takes every type. */
async function addEndpoint(
  gateway: TestGateway,
  path: string,
  options: { eventTypes: string[]; enabled: boolean },
) {
  return gateway.db.prisma.webhookEndpoint.create({
    data: {
      otecId: gateway.otec.id,
      url: `https://lms.example.cl/hooks/${path}`,
      secretSealed: gateway.secrets.seal(`whsec_${Buffer.alloc(32, 7).toString('base64')}`),
      eventTypes: options.eventTypes,
      enabled: options.enabled,
    },
  })
}

/** Checks the rows one applied callback wrote, against the session as Prisma reads it. */
async function checkAppliedCallback(
  t: Test,
  gateway: TestGateway,
  sessionId: string,
  expected: { webhookType: string; endpointIds: string[]; ticketKind: 'start' | 'close' },
) {
  const session = await readSession(gateway, sessionId)
  const { events, tickets, webhookEvents, ...stored } = session
  const applied = events.filter((event) => event.type === 'callback_applied').at(-1)
  const ticket = tickets.filter((candidate) => candidate.kind === expected.ticketKind).at(-1)
  t.equal(ticket?.status, 'used', 'the ticket is used')
  t.equal(ticket?.result, stored.status, 'the ticket keeps the result')
  t.same(ticket?.usedAt, applied?.createdAt, 'usedAt is the time of the callback')
  t.equal(applied?.ticketId, ticket?.id, 'the event names the ticket')
  t.equal(applied?.detail, stored.status)
  t.equal(applied?.toStatus, stored.status)
  t.same(stored.updatedAt, applied?.createdAt, 'updatedAt is the time of the callback')

  const webhook = webhookEvents.find((event) => event.type === expected.webhookType)
  t.ok(webhook, `a ${expected.webhookType} webhook`)
  const payload = webhook?.payload as { type: string; timestamp: string; data: unknown }
  t.equal(payload.type, expected.webhookType)
  t.equal(payload.timestamp, stored.updatedAt.toISOString())
  t.same(payload.data, toSessionView(stored), 'the webhook carries the session as stored')
  const deliveries = await gateway.db.prisma.webhookDelivery.findMany({
    where: { eventId: webhook?.id },
  })
  t.same(
    deliveries.map((delivery) => delivery.endpointId).sort(),
    [...expected.endpointIds].sort(),
    'one delivery per enabled endpoint that takes the type',
  )
  for (const delivery of deliveries) {
    t.equal(delivery.status, 'pending')
    t.equal(delivery.attemptCount, 0)
    t.equal(delivery.otecId, gateway.otec.id)
    t.same(delivery.nextAttemptAt, applied?.createdAt)
  }
}

t.test('applied callbacks match their stored rows', async (t) => {
  const gateway = await startTestGateway(t, {
    otec: { webhookUrl: 'https://lms.example.cl/hooks/all' },
  })
  const [everyType] = await gateway.db.prisma.webhookEndpoint.findMany({
    where: { otecId: gateway.otec.id },
  })
  const closedOnly = await addEndpoint(gateway, 'closed', {
    eventTypes: ['session.closed'],
    enabled: true,
  })
  await addEndpoint(gateway, 'off', { eventTypes: [], enabled: false })
  const all = everyType?.id as string

  const intent = await pendingIntent(gateway, {
    metadata: { curso: 'Excel', nivel: 2 },
  })
  const start = await simulatorAnswer(gateway, intent.startUrl)
  t.equal((await postCallback(gateway, start.action, start.fields)).statusCode, 303)
  await checkAppliedCallback(t, gateway, intent.id, {
    webhookType: 'session.started',
    endpointIds: [all],
    ticketKind: 'start',
  })

  const close = await requestCloseThroughApi(gateway, intent.id)
  t.equal(close.statusCode, 200)
  const closing = await simulatorAnswer(gateway, close.json()['closeUrl'])
  t.equal((await postCallback(gateway, closing.action, closing.fields)).statusCode, 303)
  await checkAppliedCallback(t, gateway, intent.id, {
    webhookType: 'session.closed',
    endpointIds: [all, closedOnly.id],
    ticketKind: 'close',
  })

  const failing = await pendingIntent(gateway)
  const answer = await simulatorAnswer(gateway, failing.startUrl)
  const failed = await postCallback(gateway, answer.action, {
    ...answer.fields,
    GlosaError: '302;301',
  })
  t.equal(failed.statusCode, 303)
  await checkAppliedCallback(t, gateway, failing.id, {
    webhookType: 'session.start_failed',
    endpointIds: [all],
    ticketKind: 'start',
  })
  const stored = await readSession(gateway, failing.id)
  t.same(stored.errorCodes, [302, 301], 'the codes in the order SENCE sent them')
  t.equal(stored.status, 'start_failed')
})

t.test('sessions with a NULL errorCodes column', async (t) => {
  // Prisma's create left errorCodes NULL, which Prisma reads as [] and raw SQL as null.
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)
  await gateway.db.pool.query(`UPDATE "Session" SET "errorCodes" = NULL WHERE "id" = $1`, [
    intent.id,
  ])
  const answer = await simulatorAnswer(gateway, intent.startUrl)
  t.equal((await postCallback(gateway, answer.action, answer.fields)).statusCode, 303, 'applied')
  await gateway.db.pool.query(`UPDATE "Session" SET "errorCodes" = NULL WHERE "id" = $1`, [
    intent.id,
  ])
  const again = await postCallback(gateway, answer.action, answer.fields)
  t.equal(again.statusCode, 303, 'a duplicate is answered')
  const close = await requestCloseThroughApi(gateway, intent.id)
  t.equal(close.statusCode, 200, 'the close is requested')
  t.equal(close.json()['error'], null)
})

t.test('launch lookup reads the ticket, its session and the Token', async (t) => {
  const gateway = await startTestGateway(t)
  const { prisma } = gateway.db
  const intent = await pendingIntent(gateway, { metadata: { curso: 'Excel' } })
  const answer = await simulatorAnswer(gateway, intent.startUrl)
  t.equal((await postCallback(gateway, answer.action, answer.fields)).statusCode, 303)
  const ticketValue = new URL(intent.startUrl).pathname.split('/').at(-1) as string

  const found = await findTicketWithSession(prisma, sha256Hex(ticketValue))
  const expected = await prisma.ticket.findUniqueOrThrow({
    where: { ticketHash: sha256Hex(ticketValue) },
    include: { session: { include: { otec: true } } },
  })
  const { session, ...ticket } = expected
  const { otec, ...sessionOnly } = session
  t.strictSame(found?.ticket, ticket, 'the ticket as Prisma reads it, used by the callback')
  t.strictSame(found?.session, sessionOnly, 'the session as Prisma reads it')
  t.equal(found?.senceTokenSealed, otec.senceTokenSealed)
  t.equal(await findTicketWithSession(prisma, sha256Hex('x'.repeat(22))), null, 'unknown')
})
