import type { PrismaClient, Transaction } from '../persistence/database.ts'
import type { Session, Ticket } from '../persistence/generated/client.ts'
import { parseCallback, type ParsedCallback, type RawForm } from '../protocol/callback.ts'
import { normalizeRun } from '../protocol/run.ts'
import { senceInstant } from '../protocol/sence-time.ts'
import { countSenceErrorCodes, countSessionTransition } from '../observability/metrics.ts'
import { isTicketShaped, sha256Hex } from '../security/random-tokens.ts'
import { registeredDeliveryQueue } from '../webhooks/delivery-queue.ts'
import {
  lockSessionByTicket,
  type SessionChanges,
  writeAppliedCallback,
} from './callback-statements.ts'
import {
  type LaunchSettings,
  type RequestProvenance,
  senceOriginsFor,
  type TicketRejection,
  ticketRejection,
} from './prepare-launch.ts'
import { recordBrowserEvent, recordSessionEvent, type SessionEventType } from './session-events.ts'
import type { CallbackResult } from './session-status.ts'
import { chooseCallbackInstant } from './callback-instant.ts'
import { inSessionTransaction } from './transition-session.ts'

/** A browser's POST to /cb/{ticket}/ok or /cb/{ticket}/err. */
export interface CallbackRequest {
  ticket: string
  /** The URL posted to: UrlRetoma (`ok`) or UrlError (`err`). */
  endpoint: 'ok' | 'err'
  form: RawForm
  provenance: RequestProvenance
}

/**
 * Why a callback was rejected: its ticket's state, fields that differ from
 * the intent, an Origin header of a site other than SENCE's, or a ticket
 * whose launch page was never served.
 */
export type CallbackRejection = TicketRejection | 'mismatch' | 'foreign_origin' | 'not_launched'

export type CallbackOutcome =
  | {
      kind: 'applied' | 'duplicate'
      session: Session
      result: CallbackResult
      errorCodes: number[]
      /** The LMS's return URL with session, result and error appended; null shows the gateway's result page. */
      location: string | null
    }
  | {
      kind: 'rejected'
      reason: CallbackRejection
      sessionId: string | null
      /** For a mismatch: the fields that differ from the intent. */
      mismatchedFields: string[]
      /** The LMS's return URL of the ticket, when the ticket is known, for a link back. */
      returnUrl: string | null
    }

/**
 * Applies a SENCE callback to the session its ticket names. Exactly one
 * callback per ticket changes anything. Under the session's row lock the
 * ticket is marked used and the session moved with conditional UPDATEs, in
 * one transaction with the event and the webhook. Every other request
 * (duplicates, unknown or stale tickets, fields that differ from the
 * intent, posts that did not come from SENCE's page) is stored as an event
 * and changes nothing.
 */
export async function applyCallback(
  prisma: PrismaClient,
  settings: LaunchSettings,
  request: CallbackRequest,
  now: Date = new Date(),
): Promise<CallbackOutcome> {
  const parsed = parseCallback(request.form)
  const eventBase = {
    fields: request.form,
    request: { endpoint: request.endpoint, ...request.provenance },
    at: now,
  }
  const recordUnknown = (db: PrismaClient | Transaction) =>
    recordSessionEvent(db, {
      ...eventBase,
      sessionId: null,
      type: 'callback_rejected',
      detail: 'unknown ticket',
    })

  if (!isTicketShaped(request.ticket)) {
    await recordUnknown(prisma)
    return rejected('unknown', null, null)
  }

  const outcome = await inSessionTransaction(prisma, async (tx) => {
    // The session's lock first, then the ticket as last committed: a
    // concurrent callback of the same ticket waits here and then finds it used.
    const locked = await lockSessionByTicket(tx, sha256Hex(request.ticket))
    if (locked === null) {
      await recordUnknown(tx)
      return rejected('unknown', null, null)
    }
    const { session } = locked
    const origin = request.provenance['origin']
    const senceOrigins = senceOriginsFor(settings, session.environment)
    const fromSence = isSenceOrigin(origin, senceOrigins)

    // The usual case, in one statement: the ticket is the one the session
    // waits for, the post came from SENCE's page, and the fields match the
    // intent. writeAppliedCallback checks the ticket's status, kind, expiry
    // and launch as it marks it used.
    const waitingKind = waitingTicketKind(session)
    if (
      waitingKind !== null &&
      fromSence &&
      findMismatches(parsed, session, waitingKind).length === 0
    ) {
      const result = callbackResult(waitingKind, parsed, request.endpoint)
      const applied = await writeAppliedCallback(tx, {
        session,
        ticketId: locked.ticketId,
        kind: waitingKind,
        result,
        changes: sessionChanges(result, parsed, session, {
          leftForSence: locked.leftForSenceAt,
          receivedAt: now,
        }),
        glosaError: parsed.glosaError,
        event: { ...eventBase, detail: result },
        now,
      })
      if (applied !== null) {
        const queue = registeredDeliveryQueue()
        for (const delivery of applied.deliveries) await queue?.enqueue(tx, delivery, now)
        return {
          kind: 'applied',
          session: applied.session,
          result,
          errorCodes: parsed.errorCodes,
          location: returnLocation(applied.ticket.returnUrl, session.id, result, parsed.errorCodes),
        } as const
      }
    }

    // Every other callback changes nothing but its event.
    const ticket = await tx.ticket.findUnique({ where: { id: locked.ticketId } })
    if (ticket === null) return rejected('unknown', null, null)
    const record = (type: SessionEventType, detail: string) =>
      recordBrowserEvent(tx, ticket.id, { ...eventBase, type, detail })

    // A post from another site's page is forged whatever its ticket's
    // state, so even a repeat of a used ticket gets no redirect.
    if (!fromSence) {
      await record(
        'callback_rejected',
        `Origin ${origin} is not SENCE's (${senceOrigins.join(' or ')}): the form was posted from another site's page`,
      )
      return rejected('foreign_origin', session, ticket)
    }

    if (ticket.status === 'used') {
      await record('callback_duplicate', `duplicate of the ${ticket.result} callback`)
      return duplicateOutcome(ticket, session)
    }

    if (ticket.launchedAt === null) {
      await record(
        'callback_rejected',
        'the launch page of this ticket was never served, so SENCE cannot have sent this callback',
      )
      return rejected('not_launched', session, ticket)
    }

    const rejection = ticketRejection(ticket, session, now)
    if (rejection !== null) {
      const detail =
        ticket.status === 'issued' && ticket.expiresAt > now
          ? `session is ${session.status}, not waiting for a ${ticket.kind} callback`
          : `${rejection} ticket`
      await record('callback_rejected', detail)
      return rejected(rejection, session, ticket)
    }

    const mismatchedFields = findMismatches(parsed, session, ticket.kind)
    if (mismatchedFields.length > 0) {
      await record(
        'callback_mismatch',
        `fields differ from the intent: ${mismatchedFields.join(', ')}`,
      )
      return { ...rejected('mismatch', session, ticket), mismatchedFields }
    }
    // A ticket that is usable, with matching fields, was applied above.
    throw new Error(`ticket ${ticket.id} was usable but not applied while its session was locked`)
  })

  // Counted once the transaction has committed.
  if (outcome.kind === 'applied') {
    const from =
      outcome.result === 'started' || outcome.result === 'start_failed' ? 'pending' : 'closing'
    countSessionTransition(from, outcome.result)
    countSenceErrorCodes(outcome.errorCodes)
  }
  return outcome
}

/** The kind of ticket a session waits for a callback of, or null when it waits for none. */
function waitingTicketKind(session: Session): Ticket['kind'] | null {
  if (session.status === 'pending') return 'start'
  if (session.status === 'closing') return 'close'
  return null
}

/**
 * Tells whether a callback's Origin header allows it to come from SENCE's
 * page: one of `senceOrigins`, `null` (which browsers send in some cases,
 * such as after a page with Referrer-Policy no-referrer), or no header at
 * all (older browsers, and clients other than browsers).
 */
function isSenceOrigin(origin: string | undefined, senceOrigins: string[]): boolean {
  return origin === undefined || origin === 'null' || senceOrigins.includes(origin)
}

function rejected(
  reason: CallbackRejection,
  session: Session | null,
  ticket: Ticket | null,
): CallbackOutcome {
  return {
    kind: 'rejected',
    reason,
    sessionId: session?.id ?? null,
    mismatchedFields: [],
    returnUrl: ticket?.returnUrl ?? null,
  }
}

/** GlosaError decides, not the URL: a callback to UrlRetoma that carries one is a failure too. */
function callbackResult(
  kind: Ticket['kind'],
  parsed: ParsedCallback,
  endpoint: 'ok' | 'err',
): CallbackResult {
  const failed = parsed.isError || endpoint === 'err'
  if (kind === 'start') return failed ? 'start_failed' : 'started'
  return failed ? 'close_failed' : 'closed'
}

/** The outcome of a repeated callback: the first callback's result, as the ticket stored it. */
function duplicateOutcome(ticket: Ticket, session: Session): CallbackOutcome {
  const result = ticket.result as CallbackResult
  const errorCodes =
    ticket.glosaError === null ? [] : parseCallback({ GlosaError: ticket.glosaError }).errorCodes
  return {
    kind: 'duplicate',
    session,
    result,
    errorCodes,
    location: returnLocation(ticket.returnUrl, session.id, result, errorCodes),
  }
}

/**
 * Lists the callback fields that differ from what the intent sent. A field
 * that is missing counts as blank, and a field repeated with different
 * values counts as different. The close callback carries no IdSesionSence
 * in the manual; one that arrives anyway must be the start's.
 */
function findMismatches(parsed: ParsedCallback, session: Session, kind: Ticket['kind']): string[] {
  const value = (name: string) => parsed.fields[name] ?? ''
  const mismatched: string[] = [...parsed.conflictingFields, ...parsed.overlongFields]
  const expect = (name: string, received: string, expected: string) => {
    if (received !== expected && !mismatched.includes(name)) mismatched.push(name)
  }

  expect('RunAlumno', normalizeRun(value('RunAlumno')), session.runAlumno)
  expect('CodSence', value('CodSence'), session.codSence)
  expect('CodigoCurso', value('CodigoCurso'), session.codigoCurso)
  expect('LineaCapacitacion', value('LineaCapacitacion'), String(session.lineaCapacitacion))
  expect('IdSesionAlumno', value('IdSesionAlumno'), session.idSesionAlumno)
  if (kind === 'close' && value('IdSesionSence') !== '')
    expect('IdSesionSence', value('IdSesionSence'), session.idSesionSence ?? '')
  return mismatched
}

/**
 * Returns the columns a callback sets. The raw FechaHora and ZonaHoraria
 * are always stored as received. startedAt and closedAt take FechaHora's
 * instant only when chooseCallbackInstant finds it plausible, so that a
 * FechaHora edited in the browser cannot move a session's attendance.
 */
function sessionChanges(
  result: CallbackResult,
  parsed: ParsedCallback,
  session: Session,
  times: { leftForSence: Date; receivedAt: Date },
): SessionChanges {
  const fechaHora = parsed.fields['FechaHora'] ?? null
  const zonaHoraria = parsed.fields['ZonaHoraria'] ?? null
  const time = senceInstant(fechaHora ?? '', zonaHoraria ?? '')
  const now = times.receivedAt

  switch (result) {
    case 'started': {
      // An unreadable or implausible FechaHora (kept raw in startFechaHora)
      // gives way to the time the callback arrived, so that every started
      // session has a start instant for its length and attendance.
      const start = chooseCallbackInstant(time.instant, times)
      return {
        idSesionSence: parsed.fields['IdSesionSence'] || null,
        startedAt: start.instant,
        startedAtSource: start.source,
        startFechaHora: fechaHora,
        startZonaHoraria: zonaHoraria,
        startZoneAssumed: time.zoneAssumed,
        errorCodes: [],
      }
    }
    case 'start_failed':
      return {
        startFechaHora: fechaHora,
        startZonaHoraria: zonaHoraria,
        errorCodes: parsed.errorCodes,
      }
    case 'closed': {
      // The manual describes the close's FechaHora as the session's start, and
      // some senders do send that: trust it only when it is after the start.
      const close = chooseCallbackInstant(time.instant, { ...times, after: session.startedAt })
      return {
        closedAt: close.instant,
        closedAtSource: close.source,
        closeFechaHora: fechaHora,
        closeZonaHoraria: zonaHoraria,
        closeZoneAssumed: time.zoneAssumed,
        errorCodes: [],
      }
    }
    case 'close_failed':
      return {
        closeFechaHora: fechaHora,
        closeZonaHoraria: zonaHoraria,
        closeFailedAt: now,
        errorCodes: parsed.errorCodes,
      }
  }
}

/** Appends session, result and (on failure) the SENCE codes to the LMS's return URL. */
export function returnLocation(
  returnUrl: string | null,
  sessionId: string,
  result: CallbackResult,
  errorCodes: number[],
): string | null {
  if (returnUrl === null) return null
  const url = new URL(returnUrl)
  url.searchParams.set('session', sessionId)
  url.searchParams.set('result', result)
  if (result === 'start_failed' || result === 'close_failed')
    url.searchParams.set('error', errorCodes.join(';'))
  return url.href
}
