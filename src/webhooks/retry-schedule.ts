// When the next attempt of a failed delivery happens: the configured delay
// (WEBHOOK_RETRY_DELAYS, seconds) with jitter, stretched to the receiver's
// Retry-After when it sent one.

/** Each delay varies by up to this fraction either way, so that retries of one outage spread out. */
export const RETRY_JITTER_FRACTION = 0.1

/**
 * A receiver's Retry-After is followed up to one day. A longer value still
 * waits one day, so that one answer cannot park a delivery forever.
 */
export const MAX_RETRY_AFTER_SECONDS = 86_400

/**
 * Returns the seconds to wait before the next attempt, or null when
 * `attemptsMade` attempts have used up the schedule. `delays[0]` follows
 * the first attempt, so a schedule of n delays allows n + 1 attempts.
 */
export function nextRetryDelaySeconds(
  attemptsMade: number,
  delays: readonly number[],
  retryAfterSeconds: number | null,
  random: () => number = Math.random,
): number | null {
  const base = delays[attemptsMade - 1]
  if (base === undefined) return null
  const jittered = base * (1 + RETRY_JITTER_FRACTION * (2 * random() - 1))
  if (retryAfterSeconds === null) return jittered
  return Math.max(jittered, Math.min(retryAfterSeconds, MAX_RETRY_AFTER_SECONDS))
}

/**
 * Reads a Retry-After header (RFC 9110: delay-seconds or an HTTP-date) as
 * seconds from `now`. Returns null when it is absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | null {
  if (value === undefined) return null
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed)
  // Every HTTP-date form starts with the day's name; Date.parse alone
  // would also read "-5" as a year.
  if (!/^[A-Za-z]{3}/.test(trimmed)) return null
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return null
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000))
}

/** Standard Webhooks names 429, 502 and 504 as "slow down"; every 5xx may carry Retry-After too. */
export function honoursRetryAfter(statusCode: number): boolean {
  return statusCode === 429 || statusCode >= 500
}
