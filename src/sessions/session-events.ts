// A session's history: every redirect, callback and change of status,
// including the requests that were rejected and changed nothing, stored in
// SessionEvent with the raw fields as received.

import { randomUUID } from 'node:crypto'
import { Prisma, type PrismaClient, type Transaction } from '../persistence/database.ts'
import { limitEventValue, STORED_DETAIL_MAX_LENGTH, truncateText } from './event-value-limits.ts'
import type { SessionStatus } from './session-status.ts'

/**
 * The event types. Those that change the status carry fromStatus and
 * toStatus; the others leave both null.
 */
export const SESSION_EVENT_TYPES = [
  /** The LMS created the login intent (null → pending). */
  'intent_created',
  /** The browser loaded /go/{ticket} and was sent to SENCE. */
  'launch_page_served',
  /** /go/{ticket} with an unknown, used, expired or superseded ticket. */
  'launch_rejected',
  /** SENCE's callback moved the session (pending → started or start_failed, closing → closed or close_failed). */
  'callback_applied',
  /** The same ticket's callback again: a refresh, Back, a double submit. */
  'callback_duplicate',
  /** A callback with an unknown, expired or superseded ticket, or for a session no longer waiting. */
  'callback_rejected',
  /** A callback whose fields differ from the intent's. */
  'callback_mismatch',
  /** A GET on a callback URL: a link opened directly, a bookmark. */
  'callback_opened_directly',
  /** A callback whose body could not be read: too large, another content type. */
  'callback_unreadable',
  /** The LMS asked for a close (started, closing or close_failed → closing). */
  'close_requested',
  /** No callback arrived within PENDING_TTL_SECONDS (pending → expired). */
  'session_expired',
  /** A close ticket ran out of time with no callback: the student abandoned the close. */
  'close_ticket_expired',
] as const

export type SessionEventType = (typeof SESSION_EVENT_TYPES)[number]

export interface SessionEventInput {
  sessionId: string | null
  ticketId?: string | null | undefined
  type: SessionEventType
  /** The form fields as received or sent; never the Token. */
  fields?: unknown
  /** Provenance of a browser request: endpoint, IP address, User-Agent, Origin, Referer, request id. */
  request?: Record<string, unknown> | undefined
  detail?: string | null | undefined
  fromStatus?: SessionStatus | null | undefined
  toStatus?: SessionStatus | null | undefined
  at: Date
}

/**
 * Browser requests on one ticket's URLs that change nothing (launch pages,
 * repeated, rejected or unreadable callbacks) stored as events. Later ones
 * are only counted, in Ticket.browserEventCount, so that a client that
 * holds a ticket cannot grow its session's record without bound.
 */
export const STORED_BROWSER_EVENTS_PER_TICKET = 20

/** Returns the number of browser events of a session's tickets that were counted but not stored. */
export function countUnstoredBrowserEvents(tickets: { browserEventCount: number }[]): number {
  let unstored = 0
  for (const ticket of tickets)
    unstored += Math.max(0, ticket.browserEventCount - STORED_BROWSER_EVENTS_PER_TICKET)
  return unstored
}

/**
 * Stores one event, inside the caller's transaction when given one. Its
 * fields, request and detail are cut to the limits of event-value-limits.ts.
 */
export async function recordSessionEvent(
  db: PrismaClient | Transaction,
  event: SessionEventInput,
): Promise<void> {
  await db.sessionEvent.create({
    data: {
      sessionId: event.sessionId,
      ticketId: event.ticketId ?? null,
      type: event.type,
      ...(event.fields === undefined ? {} : { fields: storableEventJson(event.fields) }),
      ...(event.request === undefined ? {} : { request: storableEventJson(event.request) }),
      detail: storableDetail(event.detail),
      fromStatus: event.fromStatus ?? null,
      toStatus: event.toStatus ?? null,
      createdAt: event.at,
    },
  })
}

/**
 * Counts a browser request on a ticket's URLs that changed nothing, and
 * stores its event while the ticket has fewer than
 * STORED_BROWSER_EVENTS_PER_TICKET of them. With `launched`, it also sets
 * the ticket's launchedAt unless an earlier launch set it. One statement:
 * its UPDATE locks the ticket's row, so concurrent requests of one ticket
 * are counted one after another and never store more than the limit.
 */
export async function recordBrowserEvent(
  db: PrismaClient | Transaction,
  ticketId: string,
  event: Omit<SessionEventInput, 'sessionId' | 'ticketId' | 'fromStatus' | 'toStatus'>,
  options: { launched?: boolean } = {},
): Promise<void> {
  const launched =
    options.launched === true
      ? Prisma.sql`, "launchedAt" = COALESCE("launchedAt", ${event.at})`
      : Prisma.empty
  await db.$executeRaw`
    WITH "counted" AS (
      UPDATE "Ticket" SET "browserEventCount" = "browserEventCount" + 1 ${launched}
       WHERE "id" = ${ticketId}::uuid
      RETURNING "sessionId", "browserEventCount"
    ), "kept" AS (
      SELECT "sessionId" AS "id" FROM "counted"
       WHERE "browserEventCount" <= ${STORED_BROWSER_EVENTS_PER_TICKET}
    )
    ${insertEventForSessionsOf('kept', { ...event, ticketId })}`
}

/**
 * Returns an INSERT of one event for the session of each row of `source`,
 * a CTE of the caller's statement that returns Session rows (its `id`): the
 * event is written only when the statement changed the session. The
 * values are made storable as recordSessionEvent makes them.
 */
export function insertEventForSessionsOf(
  source: string,
  event: Omit<SessionEventInput, 'sessionId'>,
): Prisma.Sql {
  const json = (value: unknown) =>
    value === undefined ? null : JSON.stringify(storableEventJson(value))
  const detail = storableDetail(event.detail)
  return Prisma.sql`
    INSERT INTO "SessionEvent" ("id", "sessionId", "ticketId", "type", "fields", "request",
                                "detail", "fromStatus", "toStatus", "createdAt")
    SELECT ${randomUUID()}::uuid, "id", ${event.ticketId ?? null}::uuid, ${event.type},
           ${json(event.fields)}::jsonb, ${json(event.request)}::jsonb, ${detail},
           ${event.fromStatus ?? null}::"SessionStatus", ${event.toStatus ?? null}::"SessionStatus",
           ${event.at}
      FROM ${Prisma.raw(`"${source}"`)}`
}

/** Cuts an event's fields or request to the limits, then makes them storable. */
function storableEventJson(value: unknown): Prisma.InputJsonValue {
  return storableJson(limitEventValue(value))
}

function storableDetail(detail: string | null | undefined): string | null {
  if (detail === undefined || detail === null) return null
  return storableText(truncateText(detail, STORED_DETAIL_MAX_LENGTH))
}

/**
 * Makes a string storable in PostgreSQL, which rejects NUL characters in
 * text and jsonb, and lone UTF-16 surrogates in jsonb. Both can arrive in
 * a form body that anyone can post.
 */
export function storableText(value: string): string {
  return value.replaceAll('\u0000', '\uFFFD').toWellFormed()
}

/**
 * Copies a form body or request description as JSON whose keys and strings
 * are storable. Prisma 7.10 silently drops a key named `__proto__` when it
 * serialises JSON, so such a key (which anyone can post) is stored as
 * `[__proto__]`, to stay visible.
 */
export function storableJson(value: unknown): Prisma.InputJsonValue {
  return (storableValue(value) ?? 'null') as Prisma.InputJsonValue
}

type StorableValue =
  string | number | boolean | null | StorableValue[] | { [key: string]: StorableValue }

function storableKey(key: string): string {
  return key === '__proto__' ? '[__proto__]' : storableText(key)
}

function storableValue(value: unknown): StorableValue {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return storableText(value)
  if (typeof value === 'number' || typeof value === 'boolean') return value
  if (Array.isArray(value)) return value.map(storableValue)
  if (typeof value === 'object') {
    const copy: Record<string, StorableValue> = {}
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue
      copy[storableKey(key)] = storableValue(item)
    }
    return copy
  }
  return storableText(String(value))
}
