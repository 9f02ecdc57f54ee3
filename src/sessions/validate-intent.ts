// Validation of the LMS's login and logout intents before any student leaves
// for SENCE: SENCE's own rules from the protocol module, with SENCE's field
// names turned into the API's, plus the gateway's own rules.

import { z } from 'zod'
import type { Session } from '../persistence/generated/client.ts'
import {
  callbackUrls,
  TICKET_LENGTH,
  type Environment,
  type Operation,
  type StartRequestFields,
} from '../protocol/fields.ts'
import { checkRequestFields, type RequestFieldName } from '../protocol/rules.ts'
import { normalizeRun } from '../protocol/run.ts'
import { requestFields } from './prepare-launch.ts'

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

export type IntentValidation =
  { ok: true; value: ValidLoginIntent } | { ok: false; errors: FieldError[] }

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
const SAMPLE_TICKET = 'x'.repeat(TICKET_LENGTH)

/**
 * The JSON shape of a create-session body: types only. SENCE's rules on the
 * values come after, from the protocol module, so that each broken rule is
 * reported with SENCE's code. Unknown keys are rejected, because a
 * misspelt field would otherwise be silently ignored.
 */
export const loginIntentBodySchema = z.strictObject({
  runAlumno: z.string().optional(),
  codSence: z.string().nullable().optional(),
  codigoCurso: z.string().optional(),
  lineaCapacitacion: z.union([z.int(), z.string()]).optional(),
  idSesionAlumno: z.string().nullable().optional(),
  returnUrl: z.string().nullable().optional(),
  maxDurationMinutes: z.int().nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
})

/** The code SENCE returns for a field whose value is unusable. Fields not listed are the gateway's own. */
const SENCE_CODE_OF_FIELD: Record<string, number> = {
  runAlumno: 207,
  codSence: 204,
  codigoCurso: 205,
  lineaCapacitacion: 206,
  idSesionAlumno: 200,
}

/**
 * Validates a create-session body against SENCE's rules and the gateway's.
 * Every error is returned at once, so that the LMS can fix them in one go.
 */
export function validateLoginIntent(
  body: unknown,
  otec: OtecForIntent,
  publicBaseUrl: string,
): IntentValidation {
  if (!isPlainObject(body)) {
    return {
      ok: false,
      errors: [{ field: '', senceCode: null, detail: 'El cuerpo debe ser un objeto JSON.' }],
    }
  }
  const errors: FieldError[] = shapeErrors(loginIntentBodySchema, body, SENCE_CODE_OF_FIELD)
  // Fields of the wrong type were reported above; the rules below see them as absent.
  const input = pickValid(loginIntentBodySchema, body)

  const senceFields = loginRequestFields(input, otec, callbackUrls(publicBaseUrl, SAMPLE_TICKET))
  const fieldsWithTypeErrors = new Set(errors.map((error) => error.field))
  for (const error of senceRuleErrors(senceFields, otec.environment, 'IniciarSesion')) {
    if (!fieldsWithTypeErrors.has(error.field)) errors.push(error)
  }

  const returnUrl =
    input.returnUrl === undefined || input.returnUrl === null
      ? null
      : checkReturnUrl(input.returnUrl, errors)
  const maxDurationMinutes = checkMaxDuration(
    input.maxDurationMinutes,
    otec.maxSessionMinutes,
    errors,
  )
  const metadata = checkMetadata(input.metadata, errors)

  if (errors.length > 0) return { ok: false, errors }
  const idSesionAlumno = (input.idSesionAlumno ?? '').trim()
  return {
    ok: true,
    value: {
      runAlumno: senceFields.RunAlumno,
      codSence: senceFields.CodSence,
      codigoCurso: senceFields.CodigoCurso,
      lineaCapacitacion: Number(senceFields.LineaCapacitacion),
      idSesionAlumno: idSesionAlumno === '' ? null : idSesionAlumno,
      returnUrl,
      maxDurationMinutes,
      metadata,
    },
  }
}

/** A create-session body whose keys have the right types. */
export type LoginIntentBody = z.infer<typeof loginIntentBodySchema>

/**
 * Builds the fields IniciarSesion would carry for an intent, as the gateway
 * sends them: the RUN in its canonical form, codes and IdSesionAlumno
 * trimmed (SENCE's callbacks are read trimmed, so a stored value with
 * spaces would never match its callback). A blank IdSesionAlumno stands for
 * the session's id, a UUID, which the gateway uses in its place.
 */
export function loginRequestFields(
  input: LoginIntentBody,
  otec: Pick<OtecForIntent, 'rut' | 'senceToken'>,
  urls: { UrlRetoma: string; UrlError: string },
): StartRequestFields {
  const idSesionAlumno = (input.idSesionAlumno ?? '').trim()
  return {
    RutOtec: otec.rut,
    Token: otec.senceToken,
    CodSence: (input.codSence ?? '').trim(),
    CodigoCurso: (input.codigoCurso ?? '').trim(),
    LineaCapacitacion:
      input.lineaCapacitacion === undefined ? '' : String(input.lineaCapacitacion).trim(),
    RunAlumno: normalizeRun(input.runAlumno ?? ''),
    IdSesionAlumno: idSesionAlumno === '' ? crypto.randomUUID() : idSesionAlumno,
    ...urls,
  }
}

/** Runs SENCE's rules on a request's fields and names each failure with the API's field name. */
export function senceRuleErrors(
  fields: Partial<Record<RequestFieldName, string>>,
  environment: Environment,
  operation: Operation,
): FieldError[] {
  return checkRequestFields(fields, environment, operation).map((violation) => ({
    field: API_FIELD[violation.field],
    senceCode: violation.senceCode,
    detail: violation.detail,
  }))
}

/**
 * Checks the fields a close would send to SENCE, built as the launch page
 * builds them. They were checked when the session was created, but two of
 * them come from elsewhere: IdSesionSence from SENCE's start callback (blank
 * when SENCE sent none) and the Token from the OTEC's current registration.
 * A session is closed in the environment it started in, so that
 * environment's rules apply.
 */
export function validateLogoutFields(
  session: Session,
  senceToken: string,
  publicBaseUrl: string,
): FieldError[] {
  const fields = requestFields(
    session,
    senceToken,
    'CerrarSesion',
    callbackUrls(publicBaseUrl, SAMPLE_TICKET),
  )
  return senceRuleErrors(fields, session.environment, 'CerrarSesion')
}

/** Turns a zod schema's issues on a body into field errors, in Spanish, with each field's SENCE code. */
export function shapeErrors(
  schema: z.ZodType,
  body: unknown,
  senceCodes: Record<string, number>,
): FieldError[] {
  const parsed = schema.safeParse(body)
  if (parsed.success) return []
  const errors: FieldError[] = []
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        errors.push({
          field: key,
          senceCode: null,
          detail: `El campo ${key} no existe en esta API.`,
        })
      continue
    }
    const field = issue.path.map(String).join('.')
    const root = String(issue.path[0] ?? '')
    errors.push({
      field,
      senceCode: senceCodes[root] ?? null,
      detail: `${field} ${expectedTypeInSpanish(issue)}.`,
    })
  }
  return errors
}

function expectedTypeInSpanish(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_union') return 'debe ser un número entero'
  if (issue.code !== 'invalid_type') return 'no es válido'
  switch (issue.expected) {
    case 'string':
      return 'debe ser un texto'
    case 'int':
    case 'number':
      return 'debe ser un número entero'
    case 'record':
    case 'object':
      return 'debe ser un objeto JSON'
    default:
      return `debe ser de tipo ${issue.expected}`
  }
}

/** Keeps the keys of a body whose values have the schema's type, so that rules can still run after a type error. */
function pickValid<T extends z.ZodObject>(schema: T, body: Record<string, unknown>): z.infer<T> {
  const kept: Record<string, unknown> = {}
  for (const [key, fieldSchema] of Object.entries(schema.shape)) {
    if ((fieldSchema as z.ZodType).safeParse(body[key]).success) kept[key] = body[key]
  }
  return kept as z.infer<T>
}

/** Checks a return URL that was given. Which origins an OTEC may use is checked by the caller. */
export function checkReturnUrl(
  value: unknown,
  errors: FieldError[],
  field = 'returnUrl',
): string | null {
  if (typeof value !== 'string' || value.trim() === '') {
    errors.push({ field, senceCode: null, detail: `${field} debe ser un texto con una URL.` })
    return null
  }
  if (value.length > RETURN_URL_MAX_LENGTH) {
    errors.push({
      field,
      senceCode: null,
      detail: `${field} tiene ${value.length} caracteres; el máximo es ${RETURN_URL_MAX_LENGTH}.`,
    })
    return null
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    errors.push({
      field,
      senceCode: null,
      detail: `${field} debe ser una URL absoluta (https://...); se recibió "${value}".`,
    })
    return null
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    errors.push({
      field,
      senceCode: null,
      detail: `${field} debe usar https; se recibió "${url.protocol}".`,
    })
    return null
  }
  if (url.username !== '' || url.password !== '') {
    errors.push({
      field,
      senceCode: null,
      detail: `${field} no puede llevar usuario ni contraseña.`,
    })
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
    errors.push({
      field: 'metadata',
      senceCode: null,
      detail: `metadata ocupa ${size} bytes; el máximo es ${METADATA_MAX_BYTES}.`,
    })
    return null
  }
  return value
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
