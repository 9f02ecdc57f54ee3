// Reading SENCE's callbacks: browser form POSTs to UrlRetoma or UrlError.
// They are not signed and every value comes from the browser, so this only
// reads and never trusts: matching against the intent happens in sessions.

import { MAX_LENGTH } from './fields.ts'

/**
 * Identifiers of the callback tables with their maximum lengths. SENCE never
 * sends longer values, and the gateway stores them in columns of these sizes.
 * FechaHora and ZonaHoraria are left out: they are stored as text of any
 * length, and a FechaHora with fractions of a second is still readable.
 * RunAlumno is left out too: it is compared after normalisation, so a RUN
 * written with dots (12 characters) still matches, and it is never stored
 * from a callback.
 */
const CALLBACK_IDENTIFIER_MAX_LENGTH = {
  CodSence: MAX_LENGTH.CodSence,
  CodigoCurso: MAX_LENGTH.CodigoCurso,
  IdSesionAlumno: MAX_LENGTH.IdSesionAlumno,
  IdSesionSence: MAX_LENGTH.IdSesionSence,
} as const

/** A form body as @fastify/formbody gives it: repeated keys become arrays. */
export type RawForm = Record<string, string | string[] | undefined>

export interface ParsedCallback {
  /** Field names and values trimmed; the first value of a repeated key. */
  fields: Record<string, string>
  /** Names of fields that arrived more than once with different values. */
  conflictingFields: string[]
  /** Identifier fields longer than the manual's maximum: such a callback did not come from SENCE. */
  overlongFields: string[]
  /** GlosaError as received, trimmed; null when absent or blank. */
  glosaError: string | null
  /** Every numeric code of GlosaError, in order (`"301;302"` gives [301, 302]). */
  errorCodes: number[]
  /** True when GlosaError is present and not blank: it decides, not IdSesionSence. */
  isError: boolean
}

/**
 * Parses a callback form. Names and values are trimmed because SENCE's own
 * example reads a field named "LineaCapacitacion " with a trailing space.
 */
export function parseCallback(form: RawForm): ParsedCallback {
  const fields: Record<string, string> = Object.create(null)
  const conflictingFields: string[] = []

  for (const [rawName, rawValue] of Object.entries(form)) {
    const name = rawName.trim()
    if (name === '' || rawValue === undefined) continue
    const values = (Array.isArray(rawValue) ? rawValue : [rawValue]).map((value) =>
      String(value).trim(),
    )
    const first = values[0] ?? ''
    const known = fields[name]
    const allValues = known === undefined ? values : [known, ...values]
    if (new Set(allValues).size > 1 && !conflictingFields.includes(name))
      conflictingFields.push(name)
    if (known === undefined) fields[name] = first
  }

  const overlongFields = Object.entries(CALLBACK_IDENTIFIER_MAX_LENGTH)
    .filter(([name, max]) => (fields[name] ?? '').length > max)
    .map(([name]) => name)

  const glosa = fields['GlosaError']
  const glosaError = glosa === undefined || glosa === '' ? null : glosa
  return {
    fields,
    conflictingFields,
    overlongFields,
    glosaError,
    errorCodes: glosaError === null ? [] : parseErrorCodes(glosaError),
    isError: glosaError !== null,
  }
}

/**
 * Splits GlosaError on `;` (and commas or spaces) and keeps every numeric
 * code in order, repeats included. Parts that are not numbers (SENCE
 * declares the field an integer, so none are expected) are left out here
 * and kept in the raw GlosaError.
 */
export function parseErrorCodes(glosaError: string): number[] {
  return glosaError
    .split(/[;,\s]+/)
    .map((part) => part.trim())
    .filter((part) => /^\d{1,6}$/.test(part))
    .map(Number)
}
