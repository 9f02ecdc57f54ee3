// An intent and the stored response of its Idempotency-Key must commit
// together. A process can die after the use case's writes and before the
// key is completed: the failure is injected here by making the sealing of
// the response throw, which is the step that completes the key. The state
// a crash leaves (a key in flight whose lock has run out) is then set up,
// and the retry must not make a second intent or a second close.

import type { FastifyRequest } from 'fastify'
import t from 'tap'
import {
  type CompleteIdempotencyKey,
  IDEMPOTENCY_LOCK_TIMEOUT_MS,
  runIdempotently,
} from '../../src/http/idempotency.ts'
import { VALID_INTENT, visitThroughSimulator } from '../helpers/browser-flow.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { readSession, startSession } from '../helpers/sessions.ts'

function post(gateway: TestGateway, url: string, body: unknown, idempotencyKey: string) {
  return gateway.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}`, 'idempotency-key': idempotencyKey },
    ...(body === undefined ? {} : { payload: body as object }),
  })
}

/** Makes the next seal throw, as a crash at that point would stop the request. */
function failNextSeal(t: { teardown(fn: () => void): void }, gateway: TestGateway) {
  const original = gateway.secrets.seal
  let failed = false
  gateway.secrets.seal = (plaintext: string) => {
    if (failed) return original.call(gateway.secrets, plaintext)
    failed = true
    throw new Error('injected failure before the Idempotency-Key was completed')
  }
  t.teardown(() => {
    gateway.secrets.seal = original
  })
}

/** Leaves the key as a crashed request would: in flight, with a lock older than the timeout. */
async function ageInFlightKey(gateway: TestGateway, key: string) {
  await gateway.db.prisma.idempotencyKey.updateMany({
    where: { key, status: 'in_flight' },
    data: { lockedAt: new Date(Date.now() - IDEMPOTENCY_LOCK_TIMEOUT_MS - 1000) },
  })
}

t.test('create interrupted before its key', async (t) => {
  const gateway = await startTestGateway(t)
  const countSessions = () =>
    gateway.db.prisma.session.count({ where: { otecId: gateway.otec.id } })

  failNextSeal(t, gateway)
  const failed = await post(gateway, '/v1/sessions', VALID_INTENT, 'create-crash')
  t.equal(failed.statusCode, 500, 'the interrupted request fails')
  t.equal(await countSessions(), 0, 'the intent was rolled back with its key')

  await ageInFlightKey(gateway, 'create-crash')
  const retry = await post(gateway, '/v1/sessions', VALID_INTENT, 'create-crash')
  t.equal(retry.statusCode, 201, 'the retry creates the intent')
  t.equal(await countSessions(), 1, 'one intent in all')

  const replay = await post(gateway, '/v1/sessions', VALID_INTENT, 'create-crash')
  t.equal(replay.statusCode, 201)
  t.equal(replay.headers['idempotent-replayed'], 'true', 'a later retry is replayed')
  t.equal(replay.json().id, retry.json().id)
  t.equal(await countSessions(), 1, 'still one intent')
})

t.test('close interrupted before its key', async (t) => {
  const gateway = await startTestGateway(t)
  const started = await startSession(gateway)
  const url = `/v1/sessions/${started.id}/close`
  const closeTickets = async () =>
    (await readSession(gateway, started.id)).tickets.filter((ticket) => ticket.kind === 'close')
  const closeRequests = async () =>
    (await readSession(gateway, started.id)).events.filter(
      (event) => event.type === 'close_requested',
    )

  failNextSeal(t, gateway)
  const failed = await post(gateway, url, undefined, 'close-crash')
  t.equal(failed.statusCode, 500, 'the interrupted request fails')
  t.equal((await readSession(gateway, started.id)).status, 'started', 'the close rolled back')
  t.equal((await closeTickets()).length, 0, 'no close ticket')

  await ageInFlightKey(gateway, 'close-crash')
  const retry = await post(gateway, url, undefined, 'close-crash')
  t.equal(retry.statusCode, 200, 'the retry requests the close')
  const replay = await post(gateway, url, undefined, 'close-crash')
  t.equal(replay.statusCode, 200)
  t.equal(replay.json().closeUrl, retry.json().closeUrl, 'a later retry is replayed')

  const tickets = await closeTickets()
  t.equal(tickets.length, 1, 'one close ticket')
  t.equal(tickets[0]?.status, 'issued', 'not superseded')
  t.equal((await closeRequests()).length, 1, 'one close_requested event')
  const visit = await visitThroughSimulator(gateway, retry.json().closeUrl)
  t.equal(visit.callbackResponse?.statusCode, 303, 'the closeUrl works')
})

t.test('key taken over mid-request', async (t) => {
  const gateway = await startTestGateway(t)
  const { prisma } = gateway.db
  const request = {
    headers: { 'idempotency-key': 'slow-request' },
    method: 'POST',
    url: '/v1/sessions',
    body: { any: 'body' },
    otec: { id: gateway.otec.id },
    log: gateway.app.log,
  } as unknown as FastifyRequest
  const store = { prisma, secrets: gateway.secrets }

  const result = await runIdempotently(store, request, async (complete) => {
    t.ok(complete, 'a request with a key gets complete')
    return prisma.$transaction(async (tx) => {
      await tx.sessionEvent.create({
        data: { sessionId: null, type: 'callback_rejected', detail: 'written by the slow request' },
      })
      // A retry takes the key over from outside this transaction.
      await prisma.idempotencyKey.updateMany({
        where: { key: 'slow-request' },
        data: { lockedAt: new Date(Date.now() + 60_000) },
      })
      const created = { statusCode: 201, body: { id: 'never stored' } }
      await (complete as CompleteIdempotencyKey)(tx, created)
      return created
    })
  })

  t.equal(result.statusCode, 409, 'the slow request gets a 409')
  t.match(result.body, { type: 'urn:sence-gateway:problem:idempotency-key-in-use' })
  const written = await prisma.sessionEvent.count({
    where: { detail: 'written by the slow request' },
  })
  t.equal(written, 0, 'its work was rolled back')
  const key = await prisma.idempotencyKey.findFirstOrThrow({ where: { key: 'slow-request' } })
  t.equal(key.status, 'in_flight', 'the key stays with the retry that took it over')
})
