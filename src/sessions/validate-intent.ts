// Validation of the LMS's login intents (POST /v1/sessions) before any
// student leaves for SENCE: SENCE's own rules from the protocol module, with
// SENCE's field names turned into the API's, plus the gateway's own rules.

import { callbackUrls, type Environment } from '../protocol/fields.ts'
import { checkRequestFields, type RequestFieldName } from '../protocol/rules.ts'
import { normalizeRun } from '../protocol/run.ts'

/** One failed rule, as the 422 problem's `errors` array lists it. */
export interface FieldError {
  /** The API's name of the field (camelCase). */
  field: string
  /** The Anexo 2 code SENCE would return, or null for a rule of the gateway's own. */
  senceCode: number | null
  /** Why, in Spanish. */
  detail: string
}

export interface OtecForIntent {
  rut: string
  senceToken: string
  environment: Environment
  maxSessionMinutes: number
}

export interface ValidLoginIntent {
  runAlumno: string
  codSence: string
  codigoCurso: string
  lineaCapacitacion: number
  /** Null when the LMS sent none: the gateway then uses the session's id. */
  idSesionAlumno: string | null
  /** Null when the LMS sent none: the student then sees the gateway's result page. */
  returnUrl: string | null
  maxDurationMinutes: number
  metadata: Record<string, unknown> | null
}

export type IntentValidation = { ok: true; value: ValidLoginIntent } | { ok: false; errors: FieldError[] }

/** The API's names of SENCE's request fields. */
const API_FIELD: Record<RequestFieldName, string> = {
  RutOtec: 'otec.rut',
  Token: 'otec.senceToken',
  CodSence: 'codSence',
  CodigoCurso: 'codigoCurso',
  LineaCapacitacion: 'lineaCapacitacion',
  RunAlumno: 'runAlumno',
  IdSesionAlumno: 'idSesionAlumno',
  IdSesionSence: 'idSesionSence',
  UrlRetoma: 'PUBLIC_BASE_URL',
  UrlError: 'PUBLIC_BASE_URL',
}

/** Maximum size of `metadata`, serialised as JSON: it travels in every webhook of the session. */
export const METADATA_MAX_BYTES = 4096

/** Maximum length of a return URL: the browser's redirect adds the session id, the result and the codes to it. */
export const RETURN_URL_MAX_LENGTH = 1800

/** A placeholder ticket for checking the callback URLs' shape and length. */
const SAMPLE_TICKET = 'x'.repeat(22)

/**
 * Validates a create-session body against SENCE's rules and the gateway's.
 * Every error is returned at once, so that the LMS can fix them in one go.
 */
export function validateLoginIntent(body: unknown, otec: OtecForIntent, publicBaseUrl: string): IntentValidation {
  const errors: FieldError[] = []
  if (!isPlainObject(body)) {
    return { ok: false, errors: [{ field: '', senceCode: null, detail: 'El cuerpo debe ser un objeto JSON.' }] }
  }

  const text = (field: string, senceCode: number): string => {
    const value = body[field]
    if (value === undefined || value === null) return ''
    if (typeof value === 'string') return value
    errors.push({ field, senceCode, detail: `${field} debe ser un texto.` })
    return ''
  }

  const runAlumno = normalizeRun(text('runAlumno', 207))
  const codSence = text('codSence', 204).trim()
  const codigoCurso = text('codigoCurso', 205).trim()
  const line = lineText(body['lineaCapacitacion'])
  const idSesionAlumno = text('idSesionAlumno', 200)

  const senceFields = {
    RutOtec: otec.rut,
    Token: otec.senceToken,
    CodSence: codSence,
    CodigoCurso: codigoCurso,
    LineaCapacitacion: line,
    RunAlumno: runAlumno,
    // A missing or blank IdSesionAlumno is replaced by the session's id, a UUID.
    IdSesionAlumno: idSesionAlumno.trim() === '' ? crypto.randomUUID() : idSesionAlumno,
    ...callbackUrls(publicBaseUrl, SAMPLE_TICKET),
  }
  for (const violation of checkRequestFields(senceFields, otec.environment, 'IniciarSesion')) {
    errors.push({ field: API_FIELD[violation.field], senceCode: violation.senceCode, detail: violation.detail })
  }

  const returnUrl = body['returnUrl'] === undefined || body['returnUrl'] === null ? null : checkReturnUrl(body['returnUrl'], errors)
  const maxDurationMinutes = checkMaxDuration(body['maxDurationMinutes'], otec.maxSessionMinutes, errors)
  const metadata = checkMetadata(body['metadata'], errors)

  if (errors.length > 0) return { ok: false, errors }
  return {
    ok: true,
    value: {
      runAlumno,
      codSence,
      codigoCurso,
      lineaCapacitacion: Number(line),
      idSesionAlumno: idSesionAlumno.trim() === '' ? null : idSesionAlumno,
      returnUrl,
      maxDurationMinutes,
      metadata,
    },
  }
}

function lineText(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : 'x'
  if (typeof value === 'string') return value
  if (value === undefined || value === null) return ''
  return 'x'
}

/** Checks a return URL that was given. Which origins an OTEC may use is checked by the caller. */
export function checkReturnUrl(value: unknown, errors: FieldError[], field = 'returnUrl'): string | null {
  if (typeof value !== 'string' || value.trim() === '') {
    errors.push({ field, senceCode: null, detail: `${field} debe ser un texto con una URL.` })
    return null
  }
  if (value.length > RETURN_URL_MAX_LENGTH) {
    errors.push({ field, senceCode: null, detail: `${field} tiene ${value.length} caracteres; el máximo es ${RETURN_URL_MAX_LENGTH}.` })
    return null
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    errors.push({ field, senceCode: null, detail: `${field} debe ser una URL absoluta (https://...); se recibió "${value}".` })
    return null
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    errors.push({ field, senceCode: null, detail: `${field} debe usar https; se recibió "${url.protocol}".` })
    return null
  }
  if (url.username !== '' || url.password !== '') {
    errors.push({ field, senceCode: null, detail: `${field} no puede llevar usuario ni contraseña.` })
    return null
  }
  return url.href
}

function checkMaxDuration(value: unknown, otecMaximum: number, errors: FieldError[]): number {
  if (value === undefined || value === null) return otecMaximum
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > otecMaximum) {
    errors.push({
      field: 'maxDurationMinutes',
      senceCode: null,
      detail: `maxDurationMinutes debe ser un entero entre 1 y ${otecMaximum} (el máximo del OTEC); sólo puede acortar la sesión.`,
    })
    return otecMaximum
  }
  return value
}

function checkMetadata(value: unknown, errors: FieldError[]): Record<string, unknown> | null {
  if (value === undefined || value === null) return null
  if (!isPlainObject(value)) {
    errors.push({ field: 'metadata', senceCode: null, detail: 'metadata debe ser un objeto JSON.' })
    return null
  }
  const size = Buffer.byteLength(JSON.stringify(value))
  if (size > METADATA_MAX_BYTES) {
    errors.push({ field: 'metadata', senceCode: null, detail: `metadata ocupa ${size} bytes; el máximo es ${METADATA_MAX_BYTES}.` })
    return null
  }
  return value
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
