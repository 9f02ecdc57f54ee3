import type { Session } from '../persistence/generated/client.ts'
import { describeSenceErrors } from '../protocol/error-table.ts'
import type { InstantSource } from './callback-instant.ts'
import { closeFailureOverrun, overrunGuidance, overrunMessage } from './session-length.ts'

/** The last failure of a session, as the API and webhooks show it. */
export interface SessionErrorView {
  /** The first code SENCE sent; null when GlosaError had no number. */
  code: number | null
  /** Every code of GlosaError, in order. */
  codes: number[]
  /** Spanish, for the student: the messages of every code, without repeats. */
  message: string
  /** Spanish, for OTEC staff: the guidance of every code. */
  guidance: string
}

/** A session as the REST API returns it and webhooks carry it. */
export interface SessionView {
  id: string
  status: Session['status']
  environment: Session['environment']
  rutOtec: string
  runAlumno: string
  codSence: string
  codigoCurso: string
  lineaCapacitacion: number
  idSesionAlumno: string
  idSesionSence: string | null
  returnUrl: string | null
  maxDurationMinutes: number
  metadata: unknown
  startedAt: string | null
  startedAtSource: InstantSource | null
  startFechaHora: string | null
  startZonaHoraria: string | null
  closedAt: string | null
  closedAtSource: InstantSource | null
  closeFechaHora: string | null
  closeZonaHoraria: string | null
  error: SessionErrorView | null
  createdAt: string
  updatedAt: string
  expiresAt: string
}

export function toSessionView(session: Session): SessionView {
  return {
    id: session.id,
    status: session.status,
    environment: session.environment,
    rutOtec: session.rutOtec,
    runAlumno: session.runAlumno,
    codSence: session.codSence,
    codigoCurso: session.codigoCurso,
    lineaCapacitacion: session.lineaCapacitacion,
    idSesionAlumno: session.idSesionAlumno,
    idSesionSence: session.idSesionSence,
    returnUrl: session.returnUrl,
    maxDurationMinutes: session.maxDurationMinutes,
    metadata: session.metadata ?? null,
    startedAt: session.startedAt?.toISOString() ?? null,
    startedAtSource: instantSource(session.startedAtSource),
    startFechaHora: session.startFechaHora,
    startZonaHoraria: session.startZonaHoraria,
    closedAt: session.closedAt?.toISOString() ?? null,
    closedAtSource: instantSource(session.closedAtSource),
    closeFechaHora: session.closeFechaHora,
    closeZonaHoraria: session.closeZonaHoraria,
    error: errorView(session),
    createdAt: session.createdAt.toISOString(),
    updatedAt: session.updatedAt.toISOString(),
    expiresAt: session.pendingExpiresAt.toISOString(),
  }
}

/** Narrows a stored source column, which only chooseCallbackInstant writes, to its type. */
function instantSource(stored: string | null): InstantSource | null {
  return stored === 'fecha_hora' || stored === 'received' ? stored : null
}

/**
 * Describes the last failure with the error table's texts for its first code. A
 * close that failed after the session's maximum length gets texts that
 * explain the length instead (see session-length.ts).
 */
function errorView(session: Session): SessionErrorView | null {
  const failed = session.status === 'start_failed' || session.status === 'close_failed'
  if (!failed && session.errorCodes.length === 0) return null
  const code = session.errorCodes[0] ?? null
  const described = describeSenceErrors(session.errorCodes)
  const overrun = closeFailureOverrun(session)
  if (overrun === null)
    return {
      code,
      codes: session.errorCodes,
      message: described.message,
      guidance: described.guidance,
    }

  const guidance = overrunGuidance(overrun, session.errorCodes)
  return {
    code,
    codes: session.errorCodes,
    message: overrunMessage(overrun),
    guidance: session.errorCodes.includes(301) ? guidance : `${guidance} ${described.guidance}`,
  }
}
