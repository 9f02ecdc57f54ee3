// SENCE's rules for the fields of IniciarSesion and CerrarSesion: every check
// that can be made without SENCE's own records, each reported with the
// Anexo 2 code SENCE returns for it. The gateway runs them before sending a
// student to SENCE, and the simulator runs them to answer as SENCE does.

import {
  MAX_LENGTH,
  TRAINING_LINES,
  type CloseRequestFields,
  type Environment,
  type Operation,
} from './fields.ts'
import { runProblem } from './run.ts'

export type RequestFieldName = keyof CloseRequestFields

/** One broken rule: the SENCE field, the code SENCE answers with, and why, in Spanish. */
export interface Violation {
  field: RequestFieldName
  senceCode: number
  detail: string
}

/** The value SENCE's test environment accepts for CodSence and CodigoCurso when a course has no code yet. */
export const TEST_COURSE_CODE = '-1'

/** CodigoCurso needs at least this many characters, except in line 6 (FPT). */
export const CODIGO_CURSO_MIN_LENGTH = 7

/** CodSence, when the line requires one, has exactly this many characters. */
export const COD_SENCE_LENGTH = 10

/**
 * Checks the fields of a request to SENCE as SENCE would: values are taken
 * as posted, so a RUN with dots fails (the gateway normalises RUNs before it
 * calls this). Returns every violation, in the order of the manual's table.
 */
export function checkRequestFields(
  fields: Partial<Record<RequestFieldName, string>>,
  environment: Environment,
  operation: Operation,
): Violation[] {
  const violations: Violation[] = []
  const value = (name: RequestFieldName) => fields[name] ?? ''
  const isBlank = (name: RequestFieldName) => value(name).trim() === ''
  const add = (field: RequestFieldName, senceCode: number, detail: string) =>
    violations.push({ field, senceCode, detail })

  checkRut(value('RutOtec'), 'RutOtec', 209, add)

  if (isBlank('Token')) add('Token', 200, 'El Token del OTEC es obligatorio.')
  else if (value('Token').length > MAX_LENGTH.Token)
    add(
      'Token',
      303,
      `El Token tiene ${value('Token').length} caracteres; el máximo es ${MAX_LENGTH.Token}.`,
    )

  const line = checkLine(value('LineaCapacitacion'), add)
  checkCodSence(value('CodSence'), line, environment, add)
  checkCodigoCurso(value('CodigoCurso'), line, environment, add)
  checkRut(value('RunAlumno'), 'RunAlumno', 207, add)

  if (isBlank('IdSesionAlumno')) add('IdSesionAlumno', 200, 'IdSesionAlumno es obligatorio.')
  else checkMaxLength(value('IdSesionAlumno'), 'IdSesionAlumno', 200, add)

  if (operation === 'CerrarSesion') {
    if (isBlank('IdSesionSence'))
      add('IdSesionSence', 200, 'IdSesionSence es obligatorio para cerrar la sesión.')
    else checkMaxLength(value('IdSesionSence'), 'IdSesionSence', 200, add)
  }

  checkCallbackUrl(value('UrlRetoma'), 'UrlRetoma', 202, add)
  checkCallbackUrl(value('UrlError'), 'UrlError', 203, add)

  return violations
}

type AddViolation = (field: RequestFieldName, senceCode: number, detail: string) => void

function checkRut(
  raw: string,
  field: 'RutOtec' | 'RunAlumno',
  code: number,
  add: AddViolation,
): void {
  const label = field === 'RutOtec' ? 'El RUT del OTEC' : 'El RUN del alumno'
  if (raw.trim() === '') {
    add(field, 200, `${label} es obligatorio.`)
    return
  }
  // The manual does not say whether SENCE takes a lower-case k; public integrations send one.
  const problem = runProblem(raw.trim().toUpperCase())
  if (problem === 'format')
    add(field, code, `${label} debe tener formato xxxxxxxx-x (recibido: "${raw}").`)
  if (problem === 'check_digit')
    add(field, code, `${label} tiene un dígito verificador incorrecto (recibido: "${raw}").`)
}

function checkLine(raw: string, add: AddViolation): number | null {
  if (raw.trim() === '') {
    add('LineaCapacitacion', 200, 'LineaCapacitacion es obligatoria.')
    return null
  }
  const line = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN
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
  if (line === 1) {
    if (value !== '')
      add(
        'CodSence',
        204,
        'En Programas Sociales (línea 1) CodSence va en blanco; ¿el curso es de otra línea?',
      )
    return
  }
  if (value === '') {
    if (line !== null) add('CodSence', 200, `CodSence es obligatorio en la línea ${line}.`)
    return
  }
  if (value === TEST_COURSE_CODE) {
    if (environment === 'production')
      add(
        'CodSence',
        204,
        'El valor -1 en CodSence sólo se acepta en el ambiente de pruebas de SENCE.',
      )
    return
  }
  if (value.length !== COD_SENCE_LENGTH || /\s/.test(value))
    add(
      'CodSence',
      204,
      `CodSence debe tener ${COD_SENCE_LENGTH} caracteres sin espacios; se recibió "${raw}".`,
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
    add('CodigoCurso', 200, 'CodigoCurso es obligatorio.')
    return
  }
  if (value === TEST_COURSE_CODE) {
    if (environment === 'production')
      add(
        'CodigoCurso',
        205,
        'El valor -1 en CodigoCurso sólo se acepta en el ambiente de pruebas de SENCE.',
      )
    return
  }
  if (value.length > MAX_LENGTH.CodigoCurso) {
    add(
      'CodigoCurso',
      205,
      `CodigoCurso tiene ${value.length} caracteres; el máximo es ${MAX_LENGTH.CodigoCurso}.`,
    )
    return
  }
  if (line !== 6 && value.length < CODIGO_CURSO_MIN_LENGTH)
    add(
      'CodigoCurso',
      205,
      `CodigoCurso debe tener al menos ${CODIGO_CURSO_MIN_LENGTH} caracteres (salvo cursos FPT, línea 6); se recibió "${raw}".`,
    )
}

function checkMaxLength(
  raw: string,
  field: 'IdSesionAlumno' | 'IdSesionSence',
  code: number,
  add: AddViolation,
): void {
  const max = MAX_LENGTH[field]
  if (raw.length > max)
    add(field, code, `${field} tiene ${raw.length} caracteres; el máximo es ${max}.`)
}

function checkCallbackUrl(
  raw: string,
  field: 'UrlRetoma' | 'UrlError',
  code: number,
  add: AddViolation,
): void {
  if (raw.trim() === '') {
    add(field, 201, `${field} es obligatoria.`)
    return
  }
  if (raw.length > MAX_LENGTH[field]) {
    add(field, code, `${field} tiene ${raw.length} caracteres; el máximo es ${MAX_LENGTH[field]}.`)
    return
  }
  if (!isHttpUrl(raw))
    add(field, code, `${field} debe ser una URL http o https completa; se recibió "${raw}".`)
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}
