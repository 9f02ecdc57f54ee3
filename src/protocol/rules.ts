// SENCE's rules for the fields of IniciarSesion and CerrarSesion: every check
// that can be made without SENCE's own records, each reported with the
// Anexo 2 code SENCE returns for it. The gateway runs them before sending a
// student to SENCE, and the simulator runs them to reject requests as SENCE
// does, so the two cannot disagree.
//
// Not checked here, because only SENCE's records can tell: 208 (student not
// enrolled), 211 and 212 (Token of another OTEC, or revoked), 306 to 310
// (course code against SENCE's course records).

import {
  CLOSE_REQUEST_FIELD_NAMES,
  MAX_LENGTH,
  TRAINING_LINES,
  type CloseRequestFields,
  type Environment,
  type Operation,
} from './fields.ts'
import { runProblem } from './run.ts'

export type RequestFieldName = keyof CloseRequestFields

/** One broken rule: the SENCE field, the code SENCE returns for it, and why, in Spanish. */
export interface Violation {
  field: RequestFieldName
  senceCode: number
  detail: string
}

/** The value SENCE's test environment accepts for CodSence and CodigoCurso when a course has no code yet. */
export const TEST_COURSE_CODE = '-1'

/** CodigoCurso needs at least this many characters, except in line 6 (FPT). */
export const CODIGO_CURSO_MIN_LENGTH = 7

/** CodSence, when the line requires one, has exactly this many characters (its maximum is also 10). */
export const COD_SENCE_LENGTH = 10

/** Line 1, Programas Sociales: CodSence is sent blank. */
export const LINE_PROGRAMAS_SOCIALES = 1

/** Line 6, FPT: CodigoCurso has no minimum length. */
export const LINE_FPT = 6

type AddViolation = (field: RequestFieldName, senceCode: number, detail: string) => void

/**
 * Checks the fields of a request to SENCE as SENCE would. Values are taken
 * as posted, except that surrounding spaces are ignored and a lower-case k
 * is accepted in RUNs: a RUN with dots fails (the gateway normalises RUNs
 * before it calls this). Returns every violation, ordered as the manual's
 * table lists the fields; a field breaks at most one rule.
 */
export function checkRequestFields(
  fields: Partial<Record<RequestFieldName, string>>,
  environment: Environment,
  operation: Operation,
): Violation[] {
  const violations: Violation[] = []
  const value = (name: RequestFieldName) => fields[name] ?? ''
  const add: AddViolation = (field, senceCode, detail) =>
    violations.push({ field, senceCode, detail })

  checkRut(value('RutOtec'), 'RutOtec', 209, add)
  checkToken(value('Token'), add)
  // CodSence and CodigoCurso depend on the line, so the line is read first.
  const line = checkLine(value('LineaCapacitacion'), add)
  checkCodSence(value('CodSence'), line, environment, add)
  checkCodigoCurso(value('CodigoCurso'), line, environment, add)
  checkRut(value('RunAlumno'), 'RunAlumno', 207, add)
  checkSessionId(value('IdSesionAlumno'), 'IdSesionAlumno', add)
  if (operation === 'CerrarSesion') checkSessionId(value('IdSesionSence'), 'IdSesionSence', add)
  checkCallbackUrl(value('UrlRetoma'), 'UrlRetoma', 202, add)
  checkCallbackUrl(value('UrlError'), 'UrlError', 203, add)

  const order = CLOSE_REQUEST_FIELD_NAMES as readonly RequestFieldName[]
  return violations.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field))
}

function checkRut(
  raw: string,
  field: 'RutOtec' | 'RunAlumno',
  code: number,
  add: AddViolation,
): void {
  const label = field === 'RutOtec' ? 'El RUT del OTEC' : 'El RUN del alumno'
  const value = raw.trim()
  if (value === '') {
    add(field, 200, `${label} es obligatorio y viene en blanco.`)
    return
  }
  // The format (at most 8 digits, a dash, a check digit) also enforces the
  // manual's maximum of 10 characters.
  const problem = runProblem(value)
  if (problem === 'format')
    add(
      field,
      code,
      `${label} debe tener formato xxxxxxxx-x, sin puntos y con guion (recibido: "${raw}").`,
    )
  if (problem === 'check_digit')
    add(field, code, `${label} tiene un dígito verificador incorrecto (recibido: "${raw}").`)
}

function checkToken(raw: string, add: AddViolation): void {
  const value = raw.trim()
  if (value === '') {
    add('Token', 200, 'El Token del OTEC es obligatorio y viene en blanco.')
    return
  }
  // The manual gives only a maximum: its own example Token has 33
  // characters, so nothing else about the Token's shape is checked.
  if (value.length > MAX_LENGTH.Token)
    add(
      'Token',
      303,
      `El Token del OTEC tiene ${value.length} caracteres; SENCE acepta como máximo ${MAX_LENGTH.Token}.`,
    )
}

function checkLine(raw: string, add: AddViolation): number | null {
  const value = raw.trim()
  if (value === '') {
    add('LineaCapacitacion', 200, 'LineaCapacitacion es obligatoria y viene en blanco.')
    return null
  }
  const line = /^\d{1,3}$/.test(value) ? Number(value) : NaN
  if (!(TRAINING_LINES as readonly number[]).includes(line)) {
    add(
      'LineaCapacitacion',
      206,
      `LineaCapacitacion debe ser 1 (Programas Sociales), 3 (Franquicia Tributaria) o 6 (FPT); se recibió "${raw}".`,
    )
    return null
  }
  return line
}

function checkCodSence(
  raw: string,
  line: number | null,
  environment: Environment,
  add: AddViolation,
): void {
  const value = raw.trim()
  if (value === TEST_COURSE_CODE) {
    // In the test environment -1 turns off SENCE's checks of the code, for
    // any line; in production it is never a code.
    if (environment === 'production')
      add(
        'CodSence',
        204,
        'CodSence -1 sólo se acepta en el ambiente de pruebas de SENCE; en producción use el código SENCE del curso.',
      )
    return
  }
  if (line === LINE_PROGRAMAS_SOCIALES) {
    if (value !== '')
      add(
        'CodSence',
        204,
        `En Programas Sociales (línea 1) CodSence va en blanco, pero se recibió "${raw}"; ¿el curso es de otra línea?`,
      )
    return
  }
  if (value === '') {
    // The manual exempts only line 1 from CodSence; with an invalid line
    // (already reported as 206) the line rule cannot be known.
    if (line !== null)
      add('CodSence', 200, `CodSence es obligatorio en la línea ${line} y viene en blanco.`)
    return
  }
  // NOTE: SENCE's codes are 10 digits in every example, but the manual
  // types CodSence as text, so any 10 characters without spaces pass.
  if (value.length !== COD_SENCE_LENGTH || /\s/.test(value))
    add(
      'CodSence',
      204,
      `CodSence debe tener exactamente ${COD_SENCE_LENGTH} caracteres sin espacios; se recibió "${raw}" (${value.length}).`,
    )
}

function checkCodigoCurso(
  raw: string,
  line: number | null,
  environment: Environment,
  add: AddViolation,
): void {
  const value = raw.trim()
  if (value === '') {
    add('CodigoCurso', 200, 'CodigoCurso es obligatorio y viene en blanco.')
    return
  }
  if (value === TEST_COURSE_CODE) {
    if (environment === 'production')
      add(
        'CodigoCurso',
        205,
        'CodigoCurso -1 sólo se acepta en el ambiente de pruebas de SENCE; en producción use el código del curso (ID de acción).',
      )
    return
  }
  if (value.length > MAX_LENGTH.CodigoCurso) {
    add(
      'CodigoCurso',
      205,
      `CodigoCurso tiene ${value.length} caracteres; SENCE acepta como máximo ${MAX_LENGTH.CodigoCurso}.`,
    )
    return
  }
  if (line !== LINE_FPT && value.length < CODIGO_CURSO_MIN_LENGTH)
    add(
      'CodigoCurso',
      205,
      `CodigoCurso debe tener al menos ${CODIGO_CURSO_MIN_LENGTH} caracteres (salvo cursos FPT, línea 6); se recibió "${raw}" (${value.length}).`,
    )
}

/**
 * IdSesionAlumno and IdSesionSence: required, at most 149 characters.
 * NOTE: Anexo 2 has no code for an over-long value; 200 ("a parameter not
 * sent as the manual specifies") is the closest, and is what the gateway
 * and its simulator report.
 */
function checkSessionId(
  raw: string,
  field: 'IdSesionAlumno' | 'IdSesionSence',
  add: AddViolation,
): void {
  const value = raw.trim()
  if (value === '') {
    const purpose = field === 'IdSesionSence' ? ' para cerrar la sesión' : ''
    add(field, 200, `${field} es obligatorio${purpose} y viene en blanco.`)
    return
  }
  const max = MAX_LENGTH[field]
  if (value.length > max)
    add(field, 200, `${field} tiene ${value.length} caracteres; SENCE acepta como máximo ${max}.`)
}

function checkCallbackUrl(
  raw: string,
  field: 'UrlRetoma' | 'UrlError',
  code: number,
  add: AddViolation,
): void {
  const value = raw.trim()
  if (value === '') {
    add(field, 201, `${field} es obligatoria y viene en blanco.`)
    return
  }
  if (value.length > MAX_LENGTH[field]) {
    add(
      field,
      code,
      `${field} tiene ${value.length} caracteres; SENCE acepta como máximo ${MAX_LENGTH[field]}.`,
    )
    return
  }
  if (!isAbsoluteHttpUrl(value))
    add(field, code, `${field} debe ser una URL http o https completa; se recibió "${raw}".`)
}

function isAbsoluteHttpUrl(value: string): boolean {
  if (/\s/.test(value)) return false
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}
