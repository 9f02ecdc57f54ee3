// The fields the simulated SENCE posts back to UrlRetoma and UrlError: exactly
// those of the manual's tables, in their order, with SENCE's names.

import { randomInt } from 'node:crypto'
import {
  CLOSE_CALLBACK_FIELD_NAMES,
  START_CALLBACK_FIELD_NAMES,
  type Environment,
  type Operation,
} from '../protocol/fields.ts'
import { DEFAULT_SENCE_ZONE, formatFechaHora } from '../protocol/sence-time.ts'

/** A request the simulator accepted, carried through its ClaveÚnica page. */
export interface SimulatedRequest {
  environment: Environment
  operation: Operation
  /** The request's fields as posted, without the Token. */
  fields: Record<string, string>
}

/**
 * Codes SENCE returns after the student's ClaveÚnica login: those that need
 * SENCE's records (208, 211, 212, 303, 306-310), its internal failures, 311
 * and 312 from ClaveÚnica, and 313 for a close.
 */
export function codesAfterLogin(operation: Operation): number[] {
  const codes = [208, 211, 212, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312]
  return operation === 'CerrarSesion' ? [...codes, 313] : codes
}

/**
 * Codes of SENCE's checks of the request itself. The simulator returns them
 * at once for a request that breaks a rule, as SENCE does. Its ClaveÚnica
 * page also offers them, so that an LMS can test how it handles every code,
 * although the gateway never sends such a request.
 */
export const REQUEST_CHECK_CODES: readonly number[] = [200, 201, 202, 203, 204, 205, 206, 207, 209]

/** Generates an IdSesionSence: SENCE does not publish its format, so a 12-digit number is used. */
export function generateIdSesionSence(): string {
  return String(randomInt(100_000_000_000, 1_000_000_000_000))
}

/**
 * Builds the fields posted back. A successful start carries a new
 * IdSesionSence; a failed start carries it blank, as SENCE does; a close
 * carries none. `glosaError` is set for failures. FechaHora is the time of
 * the callback in America/Santiago, and ZonaHoraria names that zone.
 */
export function answerFields(
  request: SimulatedRequest,
  glosaError: string | null,
  now: Date = new Date(),
): Record<string, string> {
  const value = (name: string) => request.fields[name] ?? ''
  const names =
    request.operation === 'IniciarSesion' ? START_CALLBACK_FIELD_NAMES : CLOSE_CALLBACK_FIELD_NAMES
  const answer: Record<string, string> = {}
  for (const name of names) {
    if (name === 'IdSesionSence') answer[name] = glosaError === null ? generateIdSesionSence() : ''
    else if (name === 'FechaHora') answer[name] = formatFechaHora(now, DEFAULT_SENCE_ZONE)
    else if (name === 'ZonaHoraria') answer[name] = DEFAULT_SENCE_ZONE
    else answer[name] = value(name)
  }
  if (glosaError !== null) answer['GlosaError'] = glosaError
  return answer
}
