// The rules an OTEC's settings must follow, shared by create and update, so
// that the CLI and the admin API reject the same values with the same words.

import { MAX_LENGTH, type Environment } from '../protocol/fields.ts'
import { runProblem } from '../protocol/run.ts'

/** One invalid input of an OTEC: the admin API's name of the field, and why. */
export interface OtecInputProblem {
  field: string
  detail: string
}

/** Raised with every invalid input of an OTEC at once. */
export class InvalidOtecError extends Error {
  readonly problems: OtecInputProblem[]

  constructor(problems: OtecInputProblem[]) {
    super(`invalid OTEC: ${problems.map((problem) => problem.detail).join('; ')}`)
    this.name = 'InvalidOtecError'
    this.problems = problems
  }
}

/** Raised when another OTEC already has the RUT. */
export class OtecExistsError extends Error {
  readonly existingId: string

  constructor(rut: string, existingId: string) {
    super(`an OTEC with RUT ${rut} already exists (id ${existingId})`)
    this.name = 'OtecExistsError'
    this.existingId = existingId
  }
}

export const ENVIRONMENTS: readonly Environment[] = ['test', 'production']

/** Bounds of an OTEC's maximum session length, in minutes: one day at most. */
export const MAX_SESSION_MINUTES_RANGE = { min: 1, max: 24 * 60 } as const

/** The checks of each field, each returning its problem or null. Values arrive already trimmed. */
export const otecFieldChecks = {
  rut(rut: string): string | null {
    const problem = runProblem(rut)
    if (problem === 'format') return `RUT "${rut}" must look like 76543210-3`
    if (problem === 'check_digit') return `RUT "${rut}" has a wrong check digit`
    return null
  },
  name(name: string): string | null {
    return name === '' ? 'name must not be blank' : null
  },
  environment(environment: string): string | null {
    return ENVIRONMENTS.includes(environment as Environment)
      ? null
      : `environment must be test or production, not "${environment}"`
  },
  // The Token's value is never repeated in a message: only its length.
  senceToken(token: string): string | null {
    if (token === '') return 'SENCE Token must not be blank'
    if (token.length > MAX_LENGTH.Token)
      return `SENCE Token has ${token.length} characters; SENCE accepts at most ${MAX_LENGTH.Token}`
    return null
  },
  maxSessionMinutes(minutes: number): string | null {
    const { min, max } = MAX_SESSION_MINUTES_RANGE
    return Number.isInteger(minutes) && minutes >= min && minutes <= max
      ? null
      : `maximum session length must be a whole number of minutes between ${min} and ${max}`
  },
  webhookUrl(url: string): string | null {
    return isHttpUrl(url) ? null : `webhook URL "${url}" must be an absolute http(s) URL`
  },
}

/**
 * Returns the origin (scheme://host[:port]) of an http(s) URL that has no
 * path, query, fragment or credentials, or null when it is not one.
 */
export function normalizeOrigin(value: string): string | null {
  try {
    const url = new URL(value.trim())
    const isHttp = url.protocol === 'http:' || url.protocol === 'https:'
    const isBare =
      (url.pathname === '/' || url.pathname === '') && url.search === '' && url.hash === ''
    if (!isHttp || !isBare || url.username !== '' || url.password !== '') return null
    return url.origin
  } catch {
    return null
  }
}

/** Normalises return origins, adding a problem for each one that is not a bare origin. */
export function normalizeOrigins(
  values: readonly string[],
  problems: OtecInputProblem[],
  field = 'returnOrigins',
): string[] {
  const origins: string[] = []
  for (const value of values) {
    const origin = normalizeOrigin(value)
    if (origin === null)
      problems.push({
        field,
        detail: `return origin "${value}" must be scheme://host[:port], such as https://lms.example.cl`,
      })
    else if (!origins.includes(origin)) origins.push(origin)
  }
  return origins
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}
