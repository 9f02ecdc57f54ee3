import type { PrismaClient } from '../persistence/database.ts'
import type { Session, Ticket } from '../persistence/generated/client.ts'
import {
  callbackUrls,
  senceOperationUrl,
  type Environment,
  type Operation,
} from '../protocol/fields.ts'
import { isTicketShaped, sha256Hex } from '../security/random-tokens.ts'
import type { SecretBox } from '../security/secret-box.ts'
import { recordBrowserEvent, recordSessionEvent } from './session-events.ts'
import { type SessionRow, sessionFromRow } from './session-row.ts'

export interface LaunchSettings {
  publicBaseUrl: string
  senceBaseUrl: string
  /** When true, the test environment is the built-in simulator at PUBLIC_BASE_URL/simulator. */
  simulator: boolean
}

/** Why a ticket cannot be used: it never existed, a callback already used it, time ran out, or a newer close replaced it. */
export type TicketRejection = 'unknown' | 'used' | 'expired' | 'superseded'

export type Launch =
  | {
      ok: true
      operation: Operation
      /** SENCE's URL, or the simulator's, that the form posts to. */
      action: string
      /** The form's fields, in the manual's order. The Token is among them: SENCE's protocol requires it in the browser. */
      fields: Record<string, string>
      session: Session
    }
  | { ok: false; reason: TicketRejection; session: Session | null; ticket: Ticket | null }

/** Returns where SENCE is for an environment: the simulator stands in for the test environment when it is on. */
export function senceBaseFor(settings: LaunchSettings, environment: Environment): string {
  return settings.simulator && environment === 'test'
    ? `${settings.publicBaseUrl}/simulator`
    : settings.senceBaseUrl
}

/**
 * Returns the origins whose pages may post a callback of a session in
 * `environment`: SENCE's, and the gateway's own when the simulator
 * replaces SENCE in that environment.
 */
export function senceOriginsFor(settings: LaunchSettings, environment: Environment): string[] {
  const origins = [new URL(settings.senceBaseUrl).origin]
  const environmentOrigin = new URL(senceBaseFor(settings, environment)).origin
  if (!origins.includes(environmentOrigin)) origins.push(environmentOrigin)
  return origins
}

/** Provenance of a browser request, stored with its events: IP address, User-Agent, Origin, Referer, request id. */
export type RequestProvenance = Record<string, string | undefined>

/**
 * Prepares the auto-submitting form that takes the student to SENCE for a
 * ticket, and records that it was served. The page may be loaded again
 * (a refresh, Back from SENCE) as long as no callback has used the ticket.
 * A ticket that cannot be used is recorded as a `launch_rejected` event.
 */
export async function prepareLaunch(
  prisma: PrismaClient,
  secrets: SecretBox,
  settings: LaunchSettings,
  ticketValue: string,
  options: { provenance?: RequestProvenance; now?: Date } = {},
): Promise<Launch> {
  const now = options.now ?? new Date()
  const request = options.provenance === undefined ? undefined : { ...options.provenance }

  const found = isTicketShaped(ticketValue)
    ? await findTicketWithSession(prisma, sha256Hex(ticketValue))
    : null
  if (found === null) {
    await recordSessionEvent(prisma, {
      sessionId: null,
      type: 'launch_rejected',
      detail: 'unknown ticket',
      request,
      at: now,
    })
    return { ok: false, reason: 'unknown', session: null, ticket: null }
  }

  const { ticket, session, senceTokenSealed } = found
  const rejection = ticketRejection(ticket, session, now)
  if (rejection !== null) {
    await recordBrowserEvent(prisma, ticket.id, {
      type: 'launch_rejected',
      detail: `${rejection} ticket`,
      request,
      at: now,
    })
    return { ok: false, reason: rejection, session, ticket }
  }

  const operation: Operation = ticket.kind === 'start' ? 'IniciarSesion' : 'CerrarSesion'
  const fields = requestFields(
    session,
    secrets.open(senceTokenSealed),
    operation,
    callbackUrls(settings.publicBaseUrl, ticketValue),
  )

  // The stored copy leaves out the Token and the ticket, the two secrets of the form.
  const { Token: _token, ...recorded } = fields
  const masked = { ...recorded, ...callbackUrls(settings.publicBaseUrl, '[ticket]') }
  await recordBrowserEvent(
    prisma,
    ticket.id,
    { type: 'launch_page_served', fields: masked, request, at: now },
    { launched: true },
  )

  return {
    ok: true,
    operation,
    action: senceOperationUrl(
      senceBaseFor(settings, ticket.environment),
      ticket.environment,
      operation,
    ),
    fields,
    session,
  }
}

/**
 * Reads a ticket by its hash with its session and the sealed SENCE Token
 * of the session's OTEC, in one statement: every launch page needs all
 * three, and Prisma's nested include read them in several.
 */
export async function findTicketWithSession(
  prisma: PrismaClient,
  ticketHash: string,
): Promise<{ ticket: Ticket; session: Session; senceTokenSealed: string } | null> {
  const [row] = await prisma.$queryRaw<
    (SessionRow & {
      ticketId: string
      ticketKind: Ticket['kind']
      ticketStatus: Ticket['status']
      ticketEnvironment: Ticket['environment']
      ticketReturnUrl: string | null
      ticketExpiresAt: Date
      ticketLaunchedAt: Date | null
      ticketBrowserEventCount: number
      ticketUsedAt: Date | null
      ticketResult: string | null
      ticketGlosaError: string | null
      ticketCreatedAt: Date
      senceTokenSealed: string
    })[]
  >`
    SELECT s.*, t."id" AS "ticketId", t."kind" AS "ticketKind", t."status" AS "ticketStatus",
           t."environment" AS "ticketEnvironment", t."returnUrl" AS "ticketReturnUrl",
           t."expiresAt" AS "ticketExpiresAt", t."launchedAt" AS "ticketLaunchedAt",
           t."browserEventCount" AS "ticketBrowserEventCount",
           t."usedAt" AS "ticketUsedAt",
           t."result" AS "ticketResult", t."glosaError" AS "ticketGlosaError",
           t."createdAt" AS "ticketCreatedAt", o."senceTokenSealed"
      FROM "Ticket" AS t
      JOIN "Session" AS s ON s."id" = t."sessionId"
      JOIN "Otec" AS o ON o."id" = s."otecId"
     WHERE t."ticketHash" = ${ticketHash}`
  if (row === undefined) return null
  const {
    ticketId,
    ticketKind,
    ticketStatus,
    ticketEnvironment,
    ticketReturnUrl,
    ticketExpiresAt,
    ticketLaunchedAt,
    ticketBrowserEventCount,
    ticketUsedAt,
    ticketResult,
    ticketGlosaError,
    ticketCreatedAt,
    senceTokenSealed,
    ...session
  } = row
  return {
    ticket: {
      id: ticketId,
      ticketHash,
      sessionId: session.id,
      kind: ticketKind,
      status: ticketStatus,
      environment: ticketEnvironment,
      returnUrl: ticketReturnUrl,
      expiresAt: ticketExpiresAt,
      launchedAt: ticketLaunchedAt,
      browserEventCount: ticketBrowserEventCount,
      usedAt: ticketUsedAt,
      result: ticketResult,
      glosaError: ticketGlosaError,
      createdAt: ticketCreatedAt,
    },
    session: sessionFromRow(session),
    senceTokenSealed,
  }
}

/**
 * Returns why a ticket can no longer be used, or null when it can. The
 * ticket's status decides first. A ticket whose time ran out counts as
 * expired before the expiry sweep marks it. So does one whose session no
 * longer waits for it: a start ticket needs a pending session, and a close
 * ticket a closing one.
 */
export function ticketRejection(
  ticket: Ticket,
  session: Session,
  now: Date,
): TicketRejection | null {
  if (ticket.status === 'used') return 'used'
  if (ticket.status === 'superseded') return 'superseded'
  if (ticket.status === 'expired' || ticket.expiresAt <= now) return 'expired'
  const waitingStatus = ticket.kind === 'start' ? 'pending' : 'closing'
  if (session.status !== waitingStatus) return 'expired'
  return null
}

/** Builds SENCE's request fields for a session, in the manual's order. */
export function requestFields(
  session: Session,
  senceToken: string,
  operation: Operation,
  urls: { UrlRetoma: string; UrlError: string },
): Record<string, string> {
  return {
    RutOtec: session.rutOtec,
    Token: senceToken,
    CodSence: session.codSence,
    CodigoCurso: session.codigoCurso,
    LineaCapacitacion: String(session.lineaCapacitacion),
    RunAlumno: session.runAlumno,
    IdSesionAlumno: session.idSesionAlumno,
    ...(operation === 'CerrarSesion' ? { IdSesionSence: session.idSesionSence ?? '' } : {}),
    UrlRetoma: urls.UrlRetoma,
    UrlError: urls.UrlError,
  }
}
