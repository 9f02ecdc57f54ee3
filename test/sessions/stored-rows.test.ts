// The hot use cases write their rows with hand-written SQL instead of
// Prisma's model calls. These tests read the rows back through Prisma and
// check that the SQL wrote what the model calls would have: every column,
// the defaults, and the session each use case returns.

import t from 'tap'
import { findApiKey } from '../../src/http/authenticate.ts'
import { sha256Hex } from '../../src/security/random-tokens.ts'
import { createLoginIntent } from '../../src/sessions/create-intent.ts'
import { VALID_INTENT } from '../helpers/browser-flow.ts'
import { startTestGateway } from '../helpers/gateway.ts'

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
