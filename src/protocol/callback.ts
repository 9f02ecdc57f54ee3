// Reading SENCE's callbacks: browser form POSTs to UrlRetoma or UrlError.
// They are not signed and every value comes from the browser, so this only
// reads and never trusts: matching against the intent happens in sessions.

/** A form body as @fastify/formbody gives it: repeated keys become arrays. */
export type RawForm = Record<string, string | string[] | undefined>

export interface ParsedCallback {
  /** Field names and values trimmed; the first value of a repeated key. */
  fields: Record<string, string>
  /** Names of fields that arrived more than once with different values. */
  conflictingFields: string[]
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

  const glosa = fields['GlosaError']
  const glosaError = glosa === undefined || glosa === '' ? null : glosa
  return {
    fields,
    conflictingFields,
    glosaError,
    errorCodes: glosaError === null ? [] : parseErrorCodes(glosaError),
    isError: glosaError !== null,
  }
}

/** Splits GlosaError on `;` (and commas or spaces) and keeps every numeric code in order. */
export function parseErrorCodes(glosaError: string): number[] {
  return glosaError
    .split(/[;,\s]+/)
    .map((part) => part.trim())
    .filter((part) => /^\d{1,6}$/.test(part))
    .map(Number)
}
