// The SQL of a callback's hot path: a start or close callback that is
// applied costs BEGIN, the session's lock, one statement for every write,
// the queue job of each webhook delivery, and COMMIT. Prisma's model calls
// made ten round trips for the same work, plus one per delivery.

import { randomUUID } from 'node:crypto'
import { Prisma, type Transaction } from '../persistence/database.ts'
import type { Session, Ticket } from '../persistence/generated/client.ts'
import type { QueuedDelivery } from '../webhooks/delivery-queue.ts'
import { generateWebhookId, type WebhookPayload } from '../webhooks/record-event.ts'
import { insertEventForSessionsOf, type SessionEventInput } from './session-events.ts'
import { type SessionRow, sessionFromRow } from './session-row.ts'
import type { CallbackResult } from './session-status.ts'
import { toSessionView } from './session-view.ts'

/** A session locked through one of its tickets, with what the callback needs of the ticket. */
export interface LockedByTicket {
  session: Session
  ticketId: string
  /**
   * When the student left for SENCE: the ticket's launchedAt, or its
   * creation while launchedAt reads null.
   */
  leftForSenceAt: Date
}

/**
 * Finds the session of a ticket by the ticket's hash and locks the
 * session's row until the transaction ends, as lockSession does. Returns
 * the session as last committed and the ticket's id, or null when the
 * ticket or its session does not exist. Only the session is locked: the
 * ticket's id, session and creation never change, and its other columns
 * are read after the lock is held, since a request that held the lock may
 * have just changed them. The launch page sets launchedAt without the
 * session's lock, so it may read null here while a launch commits. The
 * ticket's creation, which is earlier, is used in its place.
 */
export async function lockSessionByTicket(
  tx: Transaction,
  ticketHash: string,
): Promise<LockedByTicket | null> {
  const [row] = await tx.$queryRaw<
    (SessionRow & { lockedTicketId: string; lockedTicketLeftForSenceAt: Date })[]
  >`
    SELECT s.*, t."id" AS "lockedTicketId",
           COALESCE(t."launchedAt", t."createdAt") AS "lockedTicketLeftForSenceAt"
      FROM "Ticket" AS t JOIN "Session" AS s ON s."id" = t."sessionId"
     WHERE t."ticketHash" = ${ticketHash}
       FOR NO KEY UPDATE OF s`
  if (row === undefined) return null
  const { lockedTicketId, lockedTicketLeftForSenceAt, ...session } = row
  return {
    session: sessionFromRow(session),
    ticketId: lockedTicketId,
    leftForSenceAt: lockedTicketLeftForSenceAt,
  }
}

/** Columns of Session that a callback may set, with the SQL type of their values. */
const SESSION_CHANGE_TYPES: Record<string, string> = {
  idSesionSence: 'text',
  startedAt: 'timestamptz',
  startedAtSource: 'text',
  startFechaHora: 'text',
  startZonaHoraria: 'text',
  startZoneAssumed: 'boolean',
  closedAt: 'timestamptz',
  closedAtSource: 'text',
  closeFechaHora: 'text',
  closeZonaHoraria: 'text',
  closeZoneAssumed: 'boolean',
  closeFailedAt: 'timestamptz',
  errorCodes: 'int[]',
}

export type SessionChanges = Partial<
  Pick<
    Session,
    | 'idSesionSence'
    | 'startedAt'
    | 'startedAtSource'
    | 'startFechaHora'
    | 'startZonaHoraria'
    | 'startZoneAssumed'
    | 'closedAt'
    | 'closedAtSource'
    | 'closeFechaHora'
    | 'closeZonaHoraria'
    | 'closeZoneAssumed'
    | 'closeFailedAt'
    | 'errorCodes'
  >
>

export interface AppliedCallback {
  session: Session
  ticket: Pick<Ticket, 'id' | 'returnUrl'>
  /** The deliveries of the webhook event, for the caller to enqueue. */
  deliveries: QueuedDelivery[]
}

/**
 * Applies a callback's result in one statement, under the session's lock.
 * The statement marks the ticket used if it is still issued, of `kind`,
 * launched, and not expired at `now`. It moves the session from `session.status` to
 * `result` with `changes`, which the trigger on Session checks. It records
 * the `callback_applied` event, and the webhook event with one pending
 * delivery per enabled endpoint of the OTEC that subscribes to its type:
 * the transactional outbox of recordWebhookEvent. Every write depends on
 * the ticket's UPDATE, so when the ticket cannot be used nothing is
 * written and null is returned.
 *
 * The webhook carries the session as this statement leaves it. It is
 * computed here from the locked row and the changes, because the payload
 * must be written by the same statement, and
 * test/sessions/stored-rows.test.ts checks that it matches the stored row.
 */
export async function writeAppliedCallback(
  tx: Transaction,
  input: {
    session: Session
    ticketId: string
    kind: Ticket['kind']
    result: CallbackResult
    changes: SessionChanges
    glosaError: string | null
    event: Omit<SessionEventInput, 'sessionId' | 'ticketId' | 'type' | 'fromStatus' | 'toStatus'>
    now: Date
  },
): Promise<AppliedCallback | null> {
  const { session, result, now } = input
  const expected: Session = { ...session, ...input.changes, status: result, updatedAt: now }
  const webhookType = `session.${result}` as const
  const payload: WebhookPayload = {
    type: webhookType,
    timestamp: now.toISOString(),
    data: toSessionView(expected),
  }
  const webhookId = generateWebhookId()
  const assignments = Object.entries(input.changes).map(([column, value]) => {
    const type = SESSION_CHANGE_TYPES[column]
    if (type === undefined) throw new Error(`a callback cannot set Session.${column}`)
    return Prisma.sql`${Prisma.raw(`"${column}"`)} = ${value}::${Prisma.raw(type)}`
  })
  const { event } = input

  // The session's columns are null when its UPDATE matched no row.
  const [row] = await tx.$queryRaw<
    (SessionRow & { ticketReturnUrl: string | null; deliveries: QueuedDelivery[] })[]
  >`
    WITH "ticket" AS (
      UPDATE "Ticket"
         SET "status" = 'used', "usedAt" = ${now}, "result" = ${result},
             "glosaError" = ${input.glosaError}
       WHERE "id" = ${input.ticketId}::uuid AND "status" = 'issued'
         AND "kind" = ${input.kind}::"TicketKind" AND "expiresAt" > ${now}
         AND "launchedAt" IS NOT NULL
      RETURNING "id", "returnUrl"
    ), "session" AS (
      UPDATE "Session"
         SET ${Prisma.join([...assignments, Prisma.sql`"status" = ${result}::"SessionStatus"`, Prisma.sql`"updatedAt" = ${now}`])}
       WHERE "id" = ${session.id}::uuid AND "status" = ${session.status}::"SessionStatus"
         AND EXISTS (SELECT 1 FROM "ticket")
      RETURNING *
    ), "event" AS (${insertEventForSessionsOf('session', {
      ...event,
      ticketId: input.ticketId,
      type: 'callback_applied',
      fromStatus: session.status,
      toStatus: result,
    })}
    ), "webhook" AS (
      INSERT INTO "WebhookEvent" ("id", "otecId", "sessionId", "type", "payload", "createdAt")
      SELECT ${webhookId}, "otecId", "id", ${webhookType}, ${JSON.stringify(payload)}::jsonb, ${now}
        FROM "session"
      RETURNING "id", "otecId"
    ), "deliveries" AS (
      INSERT INTO "WebhookDelivery" ("id", "eventId", "endpointId", "otecId", "nextAttemptAt",
                                     "createdAt", "updatedAt")
      SELECT gen_random_uuid(), w."id", p."id", w."otecId", ${now}, ${now}, ${now}
        FROM "webhook" AS w
        JOIN "WebhookEndpoint" AS p ON p."otecId" = w."otecId"
       WHERE p."enabled"
         AND (cardinality(p."eventTypes") = 0 OR ${webhookType} = ANY(p."eventTypes"))
      RETURNING "id", "endpointId"
    )
    SELECT s.*, t."returnUrl" AS "ticketReturnUrl",
           (SELECT coalesce(jsonb_agg(jsonb_build_object('id', "id", 'endpointId', "endpointId")),
                            '[]'::jsonb)
              FROM "deliveries") AS "deliveries"
      FROM "ticket" AS t LEFT JOIN "session" AS s ON true`
  if (row === undefined) return null
  const { ticketReturnUrl, deliveries, ...stored } = row
  // The session's lock is held, so its status cannot have changed since it was read.
  if (stored.id === null)
    throw new Error(`session ${session.id} changed while locked; the callback was rolled back`)
  return {
    session: sessionFromRow(stored),
    ticket: { id: input.ticketId, returnUrl: ticketReturnUrl },
    deliveries,
  }
}
