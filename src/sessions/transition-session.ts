// How every use case changes a session: inside one transaction it first
// locks the session's row, then reads and decides, then moves the status
// with an UPDATE conditional on the status it read. Callbacks, close
// requests and expiry sweeps all take the session's lock before touching
// its tickets, so they run one after another for a session, cannot
// deadlock on each other, and each reads what the previous one committed.

import type { PrismaClient, Transaction } from '../persistence/database.ts'
import type { Session } from '../persistence/generated/client.ts'
import { insertEventForSessionsOf, type SessionEventInput } from './session-events.ts'
import { type SessionRow, sessionFromRow } from './session-row.ts'
import { canTransition, type SessionStatus } from './session-status.ts'

/**
 * Options of the interactive transactions that change a session. Prisma's
 * defaults (2 s to get a connection, 5 s in all) are short when many
 * requests for one session queue on its row lock.
 */
export const SESSION_TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 20_000 } as const

/** Runs `work` in a transaction with SESSION_TRANSACTION_OPTIONS. */
export function inSessionTransaction<T>(
  prisma: PrismaClient,
  work: (tx: Transaction) => Promise<T>,
): Promise<T> {
  return prisma.$transaction(work, SESSION_TRANSACTION_OPTIONS)
}

/**
 * Locks a session's row until the transaction ends and returns the session
 * as last committed, or null when it does not exist. `FOR NO KEY UPDATE`
 * excludes other writers of the row but not inserts of events that refer
 * to it.
 */
export async function lockSession(tx: Transaction, sessionId: string): Promise<Session | null> {
  const [locked] = await tx.$queryRaw<SessionRow[]>`
    SELECT * FROM "Session" WHERE id = ${sessionId}::uuid FOR NO KEY UPDATE`
  return locked === undefined ? null : sessionFromRow(locked)
}

export class TransitionError extends Error {}

/**
 * Moves a locked session from its current status to `to` and records the
 * event that explains it, with both statuses. Throws TransitionError for a
 * move the state machine does not allow, or when the row no longer has the
 * status read under the lock (which the lock should make impossible).
 */
export async function transitionSession(
  tx: Transaction,
  change: {
    session: Pick<Session, 'id' | 'status'>
    to: SessionStatus
    event: Omit<SessionEventInput, 'sessionId' | 'fromStatus' | 'toStatus'>
  },
): Promise<Session> {
  const { session, to } = change
  if (!canTransition(session.status, to))
    throw new TransitionError(`session ${session.id} cannot move from ${session.status} to ${to}`)

  // One statement moves the session and records its event.
  const [moved] = await tx.$queryRaw<SessionRow[]>`
    WITH "moved" AS (
      UPDATE "Session" SET "status" = ${to}::"SessionStatus", "updatedAt" = ${new Date()}
       WHERE "id" = ${session.id}::uuid AND "status" = ${session.status}::"SessionStatus"
      RETURNING *
    ), "event" AS (${insertEventForSessionsOf('moved', {
      ...change.event,
      fromStatus: session.status,
      toStatus: to,
    })})
    SELECT * FROM "moved"`
  if (moved === undefined)
    throw new TransitionError(
      `session ${session.id} is no longer ${session.status}; it changed while locked`,
    )
  return sessionFromRow(moved)
}
