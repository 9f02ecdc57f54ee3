// Chilean RUN (people) and RUT (companies): a body of digits and a check
// digit computed with modulo 11, written `xxxxxxxx-x` without dots, as SENCE
// requires. The manual does not say which case SENCE expects for the check
// digit K. The gateway sends it upper-case, as the civil registry prints it,
// and accepts either case on input. CANONICAL_K is the one place where that
// choice is made.

/** The check digit 10 as the gateway writes it. */
export const CANONICAL_K = 'K'

/** Matches the canonical form: 1 to 8 digits, a dash, a digit or K. */
const CANONICAL = /^(\d{1,8})-([\dK])$/

/** Dashes that people paste from word processors and spreadsheets, read as `-`. */
const DASH_VARIANTS = /[\u2010-\u2015\u2212\uFE63\uFF0D]/g

/**
 * Returns the canonical `xxxxxxxx-x` form of a RUN or RUT typed in any
 * common way: dots and spaces removed, `k` upper-cased, typographic dashes
 * read as `-`, leading zeros dropped, the dash restored when it is missing.
 * Returns the cleaned input unchanged when it cannot be read as a RUN, so
 * that validation can report it.
 */
export function normalizeRun(input: string): string {
  const compact = input.replace(/[.\s]/g, '').replace(DASH_VARIANTS, '-').replace(/k$/, CANONICAL_K)
  if (compact.includes('-')) return compact.replace(/^0+(?=\d)/, '')
  if (!/^\d{2,9}[\dK]$/.test(compact)) return compact
  const body = compact.slice(0, -1).replace(/^0+(?=\d)/, '')
  return `${body}-${compact.slice(-1)}`
}

/** Computes the modulo-11 check digit of a RUN body ("0" to "9" or CANONICAL_K). */
export function checkDigit(body: string): string {
  let sum = 0
  let factor = 2
  for (let index = body.length - 1; index >= 0; index -= 1) {
    sum += Number(body[index]) * factor
    factor = factor === 7 ? 2 : factor + 1
  }
  const remainder = 11 - (sum % 11)
  if (remainder === 11) return '0'
  if (remainder === 10) return CANONICAL_K
  return String(remainder)
}

/** The reason a RUN is invalid, or null when it is valid. */
export type RunProblem = 'format' | 'check_digit' | null

/**
 * Checks a RUN or RUT as SENCE reads it: `xxxxxxxx-x`, no dots, a body that
 * is not zero and the right check digit. A lower-case k is accepted.
 */
export function runProblem(run: string): RunProblem {
  const match = CANONICAL.exec(run.replace(/k$/, CANONICAL_K))
  if (match === null) return 'format'
  const [, body, digit] = match
  if (Number(body) === 0) return 'format'
  return checkDigit(body as string) === digit ? null : 'check_digit'
}

/** Masks a RUN for logs, keeping the last three digits and the check digit: `*****678-5`. */
export function maskRun(run: string): string {
  const match = /^(\d*)(\d{3})-([\dKk])$/.exec(run)
  if (match === null) return '***'
  return `${'*'.repeat(match[1]?.length ?? 0)}${match[2]}-${match[3]}`
}
