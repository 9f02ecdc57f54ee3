// SENCE's e-learning attendance protocol ("Registro de Asistencia
// E-Learning", manual v1.1.6): the form fields of its two operations, their
// maximum lengths, and the URLs of its two environments.

export type Environment = 'test' | 'production'
export type Operation = 'IniciarSesion' | 'CerrarSesion'

/** Training lines: 1 Programas Sociales, 3 Franquicia Tributaria, 6 FPT. */
export const TRAINING_LINES = [1, 3, 6] as const
export type TrainingLine = (typeof TRAINING_LINES)[number]

/** Maximum lengths of the manual's field tables. No field has a minimum there. */
export const MAX_LENGTH = {
  RutOtec: 10,
  Token: 36,
  CodSence: 10,
  CodigoCurso: 50,
  RunAlumno: 10,
  IdSesionAlumno: 149,
  IdSesionSence: 149,
  UrlRetoma: 100,
  UrlError: 100,
  FechaHora: 19,
  ZonaHoraria: 100,
} as const

export const SENCE_URL_MAX_LENGTH = MAX_LENGTH.UrlRetoma

/** Fields the browser posts to IniciarSesion. */
export interface StartRequestFields {
  RutOtec: string
  Token: string
  CodSence: string
  CodigoCurso: string
  LineaCapacitacion: string
  RunAlumno: string
  IdSesionAlumno: string
  UrlRetoma: string
  UrlError: string
}

/** Fields the browser posts to CerrarSesion: the start's, plus IdSesionSence. */
export interface CloseRequestFields extends StartRequestFields {
  IdSesionSence: string
}

/** The order in which the manual lists the request fields. */
export const START_REQUEST_FIELD_NAMES = [
  'RutOtec',
  'Token',
  'CodSence',
  'CodigoCurso',
  'LineaCapacitacion',
  'RunAlumno',
  'IdSesionAlumno',
  'UrlRetoma',
  'UrlError',
] as const satisfies readonly (keyof StartRequestFields)[]

export const CLOSE_REQUEST_FIELD_NAMES = [
  'RutOtec',
  'Token',
  'CodSence',
  'CodigoCurso',
  'LineaCapacitacion',
  'RunAlumno',
  'IdSesionAlumno',
  'IdSesionSence',
  'UrlRetoma',
  'UrlError',
] as const satisfies readonly (keyof CloseRequestFields)[]

/**
 * Fields SENCE posts back, in the manual's order. A start callback carries
 * IdSesionSence, a close callback does not; an error adds GlosaError.
 */
export const START_CALLBACK_FIELD_NAMES = [
  'CodSence',
  'CodigoCurso',
  'IdSesionAlumno',
  'IdSesionSence',
  'RunAlumno',
  'FechaHora',
  'ZonaHoraria',
  'LineaCapacitacion',
] as const

export const CLOSE_CALLBACK_FIELD_NAMES = [
  'CodSence',
  'CodigoCurso',
  'IdSesionAlumno',
  'RunAlumno',
  'FechaHora',
  'ZonaHoraria',
  'LineaCapacitacion',
] as const

const ENVIRONMENT_PATH: Record<Environment, string> = {
  test: '/rcetest/Registro',
  production: '/rce/Registro',
}

/** Returns the URL of a SENCE operation, such as https://sistemas.sence.cl/rcetest/Registro/IniciarSesion. */
export function senceOperationUrl(
  baseUrl: string,
  environment: Environment,
  operation: Operation,
): string {
  return `${baseUrl}${ENVIRONMENT_PATH[environment]}/${operation}`
}

/** The path of a SENCE operation, relative to SENCE's origin. */
export function senceOperationPath(environment: Environment, operation: Operation): string {
  return `${ENVIRONMENT_PATH[environment]}/${operation}`
}

/** Length of a ticket in a callback URL: 16 random bytes in base64url. */
export const TICKET_LENGTH = 22

/** Returns the gateway's UrlRetoma and UrlError for a ticket. */
export function callbackUrls(
  publicBaseUrl: string,
  ticket: string,
): { UrlRetoma: string; UrlError: string } {
  return {
    UrlRetoma: `${publicBaseUrl}/cb/${ticket}/ok`,
    UrlError: `${publicBaseUrl}/cb/${ticket}/err`,
  }
}

/** Returns the longest callback URL that a public base URL can produce. */
export function longestCallbackUrl(publicBaseUrl: string): string {
  return callbackUrls(publicBaseUrl, 'x'.repeat(TICKET_LENGTH)).UrlError
}
