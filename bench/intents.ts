// Request bodies of the load: the LMS's create-session body, and the start
// callback SENCE posts back for an intent whose ticket was read from its
// startUrl.

import { randomInt } from 'node:crypto'
import { DateTime } from 'luxon'

/** Returns the JSON body of a valid login intent of line 3 (Franquicia Tributaria). */
export function intentBody(returnUrl: string): string {
  return JSON.stringify({
    runAlumno: '12345678-5',
    codSence: '1234567890',
    codigoCurso: 'RLAB-19-02-08-0071-1',
    lineaCapacitacion: 3,
    returnUrl,
  })
}

/** An intent created through the API, with what its start callback must carry. */
export interface PreparedIntent {
  ticket: string
  idSesionAlumno: string
}

const TICKET_IN_URL = /\/go\/([A-Za-z0-9_-]{22})$/

/** Reads the ticket and IdSesionAlumno from a 201 response of POST /v1/sessions, or null. */
export function preparedIntentOf(responseBody: string): PreparedIntent | null {
  let body: { startUrl?: unknown; idSesionAlumno?: unknown }
  try {
    body = JSON.parse(responseBody) as typeof body
  } catch {
    return null
  }
  const ticket =
    typeof body.startUrl === 'string' ? TICKET_IN_URL.exec(body.startUrl)?.[1] : undefined
  if (ticket === undefined || typeof body.idSesionAlumno !== 'string') return null
  return { ticket, idSesionAlumno: body.idSesionAlumno }
}

/**
 * Builds the form SENCE posts to UrlRetoma after a successful start: the manual's
 * fields with the intent's values, a new IdSesionSence and the time in
 * Chile.
 */
export function startCallbackForm(intent: PreparedIntent, fechaHora: string): string {
  return new URLSearchParams({
    CodSence: '1234567890',
    CodigoCurso: 'RLAB-19-02-08-0071-1',
    IdSesionAlumno: intent.idSesionAlumno,
    IdSesionSence: String(randomInt(100_000_000_000, 1_000_000_000_000)),
    RunAlumno: '12345678-5',
    FechaHora: fechaHora,
    ZonaHoraria: 'America/Santiago',
    LineaCapacitacion: '3',
  }).toString()
}

/** Returns the current time as SENCE writes FechaHora: `aaaa-mm-dd hh:mm:ss` in America/Santiago. */
export function senceNow(): string {
  return DateTime.now().setZone('America/Santiago').toFormat('yyyy-MM-dd HH:mm:ss')
}
