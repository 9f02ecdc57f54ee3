import type { PrismaClient, Transaction } from '../persistence/database.ts'
import type { Prisma, Session, Ticket } from '../persistence/generated/client.ts'
import { parseCallback, type ParsedCallback, type RawForm } from '../protocol/callback.ts'
import { normalizeRun } from '../protocol/run.ts'
import { senceInstant } from '../protocol/sence-time.ts'
import { countSenceErrorCodes, countSessionTransition } from '../observability/metrics.ts'
import { isTicketShaped, sha256Hex } from '../security/random-tokens.ts'
import { recordWebhookEvent } from '../webhooks/record-event.ts'
import type { TicketRejection } from './prepare-launch.ts'
import type { CallbackResult } from './session-status.ts'
import { toSessionView } from './session-view.ts'

/** A browser's POST to /cb/{ticket}/ok or /cb/{ticket}/err. */
export interface CallbackRequest {
  ticket: string
  /** Which of the two URLs was posted to: UrlRetoma (`ok`) or UrlError (`err`). */
  endpoint: 'ok' | 'err'
  form: RawForm
  /** Provenance kept with the event: IP address, User-Agent, Origin, Referer. */
  provenance: Record<string, string | undefined>
}

export type CallbackOutcome =
  | {
      kind: 'applied' | 'duplicate'
      sessionId: string
      result: CallbackResult
      errorCodes: number[]
      /** The LMS's return URL with session, result and error appended; null shows the gateway's result page. */
      location: string | null
    }
  | {
      kind: 'rejected'
      reason: TicketRejection | 'mismatch'
      sessionId: string | null
      /** For a mismatch: the fields that differ from the intent. */
      mismatchedFields: string[]
      /** The LMS's return URL of the ticket, when the ticket is known, for a link back. */
      returnUrl: string | null
    }

/**
 * Applies a SENCE callback to the session its ticket names. Exactly one
 * callback per ticket changes anything: the ticket is marked used and the
 * session moved with conditional UPDATEs in one transaction, together with
 * the event and the webhook. Every other request (duplicates, unknown or
 * stale tickets, fields that differ from the intent) is stored as an event
 * and changes nothing.
 */
export async function applyCallback(
  prisma: PrismaClient,
  request: CallbackRequest,
  now: Date = new Date(),
): Promise<CallbackOutcome> {
  const parsed = parseCallback(request.form)
  const rawFields = request.form as Prisma.InputJsonValue
  const requestInfo = { endpoint: request.endpoint, ...request.provenance } as Prisma.InputJsonValue

  const record = (type: string, session: Session | null, ticket: Ticket | null, detail?: string) =>
    prisma.sessionEvent.create({
      data: {
        sessionId: session?.id ?? null,
        ticketId: ticket?.id ?? null,
        type,
        fields: rawFields,
        request: requestInfo,
        detail: detail ?? null,
        createdAt: now,
      },
    })

  const ticket = isTicketShaped(request.ticket)
    ? await prisma.ticket.findUnique({
        where: { ticketHash: sha256Hex(request.ticket) },
        include: { session: true },
      })
    : null
  if (ticket === null) {
    await record('callback_rejected', null, null, 'unknown ticket')
    return {
      kind: 'rejected',
      reason: 'unknown',
      sessionId: null,
      mismatchedFields: [],
      returnUrl: null,
    }
  }
  const { session } = ticket

  if (ticket.status === 'used') {
    await record(
      'callback_duplicate',
      session,
      ticket,
      `duplicate of the ${ticket.result} callback`,
    )
    return duplicateOutcome(ticket, session)
  }
  const stale =
    ticket.status === 'superseded'
      ? 'superseded'
      : isExpired(ticket, session, now)
        ? 'expired'
        : null
  if (stale !== null) {
    await record('callback_rejected', session, ticket, `${stale} ticket`)
    return {
      kind: 'rejected',
      reason: stale,
      sessionId: session.id,
      mismatchedFields: [],
      returnUrl: ticket.returnUrl,
    }
  }

  const mismatchedFields = findMismatches(parsed, session, ticket.kind)
  if (mismatchedFields.length > 0) {
    await record(
      'callback_mismatch',
      session,
      ticket,
      `fields differ from the intent: ${mismatchedFields.join(', ')}`,
    )
    return {
      kind: 'rejected',
      reason: 'mismatch',
      sessionId: session.id,
      mismatchedFields,
      returnUrl: ticket.returnUrl,
    }
  }

  const failed = parsed.isError || request.endpoint === 'err'
  const result: CallbackResult =
    ticket.kind === 'start'
      ? failed
        ? 'start_failed'
        : 'started'
      : failed
        ? 'close_failed'
        : 'closed'

  const applied = await prisma
    .$transaction(async (tx) => {
      const claimed = await tx.ticket.updateMany({
        where: { id: ticket.id, status: 'issued' },
        data: { status: 'used', usedAt: now, result, glosaError: parsed.glosaError },
      })
      if (claimed.count === 0) return null

      const moved = await tx.session.updateMany({
        where: { id: session.id, status: ticket.kind === 'start' ? 'pending' : 'closing' },
        data: sessionChanges(result, parsed, session, now),
      })
      if (moved.count === 0) throw new StaleSessionError()

      await tx.sessionEvent.create({
        data: {
          sessionId: session.id,
          ticketId: ticket.id,
          type: 'callback_applied',
          fields: rawFields,
          request: requestInfo,
          detail: result,
          createdAt: now,
        },
      })
      const updated = await tx.session.findUniqueOrThrow({ where: { id: session.id } })
      await notify(tx, updated, result, now)
      return updated
    })
    .catch((error: unknown) => {
      if (error instanceof StaleSessionError) return 'stale' as const
      throw error
    })

  if (applied === 'stale') {
    await record(
      'callback_rejected',
      session,
      ticket,
      'session no longer waiting for this callback',
    )
    return {
      kind: 'rejected',
      reason: 'expired',
      sessionId: session.id,
      mismatchedFields: [],
      returnUrl: ticket.returnUrl,
    }
  }
  if (applied === null) {
    // Another request used the ticket between the read and the update: this one is its duplicate.
    const winner = await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id } })
    await record(
      'callback_duplicate',
      session,
      winner,
      `duplicate of the ${winner.result} callback`,
    )
    return duplicateOutcome(winner, session)
  }

  countSessionTransition(ticket.kind === 'start' ? 'pending' : 'closing', result)
  countSenceErrorCodes(parsed.errorCodes)
  return {
    kind: 'applied',
    sessionId: session.id,
    result,
    errorCodes: parsed.errorCodes,
    location: returnLocation(ticket.returnUrl, session.id, result, parsed.errorCodes),
  }
}

class StaleSessionError extends Error {}

function isExpired(ticket: Ticket, session: Session, now: Date): boolean {
  return ticket.status === 'expired' || ticket.expiresAt <= now || session.status === 'expired'
}

function duplicateOutcome(ticket: Ticket, session: Session): CallbackOutcome {
  const result = (ticket.result ?? 'start_failed') as CallbackResult
  const errorCodes =
    ticket.glosaError === null ? [] : parseCallback({ GlosaError: ticket.glosaError }).errorCodes
  return {
    kind: 'duplicate',
    sessionId: session.id,
    result,
    errorCodes,
    location: returnLocation(ticket.returnUrl, session.id, result, errorCodes),
  }
}

/**
 * Lists the callback fields that differ from what the intent sent. A field
 * that is missing counts as blank. The close callback carries no
 * IdSesionSence in the manual; one that arrives anyway must be the start's.
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
  if (kind === 'close' && value('IdSesionSence') !== '' && session.idSesionSence !== null)
    expect('IdSesionSence', value('IdSesionSence'), session.idSesionSence)
  return mismatched
}

function sessionChanges(
  result: CallbackResult,
  parsed: ParsedCallback,
  session: Session,
  now: Date,
): Prisma.SessionUpdateManyMutationInput {
  const fechaHora = parsed.fields['FechaHora'] ?? null
  const zonaHoraria = parsed.fields['ZonaHoraria'] ?? null
  const time = senceInstant(fechaHora ?? '', zonaHoraria ?? '')

  switch (result) {
    case 'started':
      return {
        status: 'started',
        idSesionSence: parsed.fields['IdSesionSence'] || null,
        startedAt: time.instant,
        startFechaHora: fechaHora,
        startZonaHoraria: zonaHoraria,
        startZoneAssumed: time.zoneAssumed,
        errorCodes: [],
      }
    case 'start_failed':
      return {
        status: 'start_failed',
        startFechaHora: fechaHora,
        startZonaHoraria: zonaHoraria,
        errorCodes: parsed.errorCodes,
      }
    case 'closed': {
      // The manual describes the close's FechaHora as the session's start, and
      // some senders do send that: trust it only when it is after the start.
      const laterThanStart =
        time.instant !== null && (session.startedAt === null || time.instant > session.startedAt)
      return {
        status: 'closed',
        closedAt: laterThanStart ? time.instant : now,
        closedAtSource: laterThanStart ? 'fecha_hora' : 'received',
        closeFechaHora: fechaHora,
        closeZonaHoraria: zonaHoraria,
        closeZoneAssumed: time.zoneAssumed,
        errorCodes: [],
      }
    }
    case 'close_failed':
      return {
        status: 'close_failed',
        closeFechaHora: fechaHora,
        closeZonaHoraria: zonaHoraria,
        errorCodes: parsed.errorCodes,
      }
  }
}

async function notify(
  tx: Transaction,
  session: Session,
  result: CallbackResult,
  now: Date,
): Promise<void> {
  await recordWebhookEvent(tx, {
    otecId: session.otecId,
    sessionId: session.id,
    type: `session.${result}`,
    data: toSessionView(session),
    at: now,
  })
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
