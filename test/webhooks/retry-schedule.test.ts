import t from 'tap'
import { DEFAULT_WEBHOOK_RETRY_DELAYS } from '../../src/config/settings.ts'
import {
  honoursRetryAfter,
  MAX_RETRY_AFTER_SECONDS,
  nextRetryDelaySeconds,
  parseRetryAfter,
} from '../../src/webhooks/retry-schedule.ts'

const DEFAULT_DELAYS = DEFAULT_WEBHOOK_RETRY_DELAYS.split(',').map(Number)

t.test('default schedule spans about three days', async (t) => {
  const total = DEFAULT_DELAYS.reduce((sum, delay) => sum + delay, 0)
  t.ok(
    total > 70 * 3600 && total < 80 * 3600,
    `last attempt ${(total / 3600).toFixed(1)} h after the first`,
  )
  t.equal(DEFAULT_DELAYS.length + 1, 10, 'ten attempts')
})

t.test('delays follow the schedule with jitter', async (t) => {
  const delays = [5, 300, 1800]
  t.equal(
    nextRetryDelaySeconds(1, delays, null, () => 0.5),
    5,
    'no jitter at the midpoint',
  )
  t.equal(
    nextRetryDelaySeconds(2, delays, null, () => 0),
    270,
    '10 % earlier at the low end',
  )
  t.equal(
    Math.round(nextRetryDelaySeconds(3, delays, null, () => 1) ?? 0),
    1980,
    '10 % later at the high end',
  )
  t.equal(nextRetryDelaySeconds(4, delays, null), null, 'no retry after the last delay')
  const spread = new Set(Array.from({ length: 20 }, () => nextRetryDelaySeconds(2, delays, null)))
  t.ok(spread.size > 1, 'real randomness spreads the retries')
})

t.test('Retry-After stretches the wait', async (t) => {
  const delays = [5, 300]
  t.equal(
    nextRetryDelaySeconds(1, delays, 120, () => 0.5),
    120,
    'longer Retry-After wins',
  )
  t.equal(
    nextRetryDelaySeconds(2, delays, 10, () => 0.5),
    300,
    'shorter Retry-After does not hurry',
  )
  t.equal(
    nextRetryDelaySeconds(1, delays, 10 ** 9, () => 0.5),
    MAX_RETRY_AFTER_SECONDS,
    'capped',
  )
  t.equal(nextRetryDelaySeconds(3, delays, 60), null, 'no retry after the last delay')
})

t.test('Retry-After header forms', async (t) => {
  const now = new Date('2026-12-04T12:00:00Z')
  t.equal(parseRetryAfter('120', now), 120)
  t.equal(parseRetryAfter(' 7 ', now), 7)
  t.equal(parseRetryAfter('Fri, 04 Dec 2026 12:01:30 GMT', now), 90)
  t.equal(parseRetryAfter('Fri, 04 Dec 2026 11:00:00 GMT', now), 0, 'a past date means now')
  t.equal(parseRetryAfter('soon', now), null)
  t.equal(parseRetryAfter('-5', now), null)
  t.equal(parseRetryAfter(undefined, now), null)
})

t.test('statuses that carry Retry-After', async (t) => {
  for (const status of [429, 500, 502, 503, 504]) t.ok(honoursRetryAfter(status), String(status))
  for (const status of [200, 301, 400, 404, 410]) t.notOk(honoursRetryAfter(status), String(status))
})
