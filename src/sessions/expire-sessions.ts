import type { PrismaClient, Transaction } from '../persistence/database.ts'
import { recordWebhookEvent } from '../webhooks/record-event.ts'
import { recordSessionEvent } from './session-events.ts'
import { toSessionView } from './session-view.ts'
import { inSessionTransaction, transitionSession } from './transition-session.ts'

export interface ExpireSessionsOptions {
  /** The instant to compare expiry times with; tests move it forward. */
  now?: Date
  /** Sessions read per query. */
  batchSize?: number
}

export interface ExpireSessionsResult {
  /** Pending sessions that moved to expired, each with a session.expired webhook. */
  expiredSessionIds: string[]
  /** Close tickets whose time ran out, so that their session waits for a new close. */
  expiredCloseTicketIds: string[]
  /** Sessions whose expiry failed; the next run tries them again. */
  failures: { sessionId: string; error: unknown }[]
}

const DEFAULT_BATCH_SIZE = 100

/**
 * Expires the round trips that SENCE never completed: pending intents past
 * pendingExpiresAt (PENDING_TTL_SECONDS after their creation) move to
 * `expired` with a `session.expired` webhook, and close tickets past their
 * expiresAt are marked expired (their session stays `closing`, and the LMS
 * can request the close again).
 *
 * Safe when several processes run it at once: each session is handled in
 * its own transaction under its row lock, taken with SKIP LOCKED, so a
 * session that another sweep or a callback is handling is left to it.
 */
export async function expireSessions(
  prisma: PrismaClient,
  options: ExpireSessionsOptions = {},
): Promise<ExpireSessionsResult> {
  const now = options.now ?? new Date()
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE
  const result: ExpireSessionsResult = {
    expiredSessionIds: [],
    expiredCloseTicketIds: [],
    failures: [],
  }

  await forEachDueSession(
    () =>
      prisma.session.findMany({
        where: { status: 'pending', pendingExpiresAt: { lte: now } },
        orderBy: { pendingExpiresAt: 'asc' },
        take: batchSize,
        select: { id: true },
      }),
    batchSize,
    async ({ id }) => {
      const expired = await inSessionTransaction(prisma, (tx) => expirePendingSession(tx, id, now))
      if (expired) result.expiredSessionIds.push(id)
      return expired
    },
    result.failures,
  )

  await forEachDueSession(
    () =>
      prisma.session.findMany({
        where: {
          status: 'closing',
          tickets: { some: { kind: 'close', status: 'issued', expiresAt: { lte: now } } },
        },
        take: batchSize,
        select: { id: true },
      }),
    batchSize,
    async ({ id }) => {
      const ticketIds = await inSessionTransaction(prisma, (tx) => expireCloseTickets(tx, id, now))
      result.expiredCloseTicketIds.push(...ticketIds)
      return ticketIds.length > 0
    },
    result.failures,
  )

  return result
}

/**
 * Runs `handle` on each due session, batch after batch, until a batch is
 * not full or changes nothing. The sessions still due then are locked by
 * another process or fail each time, and the next run comes back to them.
 */
async function forEachDueSession(
  findBatch: () => Promise<{ id: string }[]>,
  batchSize: number,
  handle: (session: { id: string }) => Promise<boolean>,
  failures: ExpireSessionsResult['failures'],
): Promise<void> {
  for (;;) {
    const batch = await findBatch()
    let changed = 0
    for (const session of batch) {
      try {
        if (await handle(session)) changed += 1
      } catch (error) {
        failures.push({ sessionId: session.id, error })
      }
    }
    if (batch.length < batchSize || changed === 0) return
  }
}

/**
 * Locks one session if it is still pending and due, and no one else holds
 * it, then expires it and its start ticket. Returns false when there was
 * nothing to do.
 */
async function expirePendingSession(tx: Transaction, sessionId: string, now: Date) {
  const locked = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "Session"
    WHERE id = ${sessionId}::uuid AND status = 'pending' AND "pendingExpiresAt" <= ${now}
    FOR NO KEY UPDATE SKIP LOCKED`
  if (locked.length === 0) return false

  const session = await tx.session.findUniqueOrThrow({ where: { id: sessionId } })
  await tx.ticket.updateMany({
    where: { sessionId, status: 'issued' },
    data: { status: 'expired' },
  })
  const expired = await transitionSession(tx, {
    session,
    to: 'expired',
    event: {
      type: 'session_expired',
      detail: `no callback from SENCE by ${session.pendingExpiresAt.toISOString()}`,
      at: now,
    },
  })
  await recordWebhookEvent(tx, {
    otecId: expired.otecId,
    sessionId: expired.id,
    type: 'session.expired',
    data: toSessionView(expired),
    at: now,
  })
  return true
}

/** Locks one closing session, unless another process holds it, and expires its overdue close tickets. */
async function expireCloseTickets(tx: Transaction, sessionId: string, now: Date) {
  const locked = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "Session" WHERE id = ${sessionId}::uuid AND status = 'closing'
    FOR NO KEY UPDATE SKIP LOCKED`
  if (locked.length === 0) return []

  const due = await tx.ticket.findMany({
    where: { sessionId, kind: 'close', status: 'issued', expiresAt: { lte: now } },
    select: { id: true, expiresAt: true },
  })
  for (const ticket of due) {
    await tx.ticket.update({ where: { id: ticket.id }, data: { status: 'expired' } })
    await recordSessionEvent(tx, {
      sessionId,
      ticketId: ticket.id,
      type: 'close_ticket_expired',
      detail: `no close callback from SENCE by ${ticket.expiresAt.toISOString()}; the session stays closing until a new close`,
      at: now,
    })
  }
  return due.map((ticket) => ticket.id)
}
