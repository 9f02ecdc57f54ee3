// One load run with autocannon: a number of keep-alive connections sending
// one kind of request for a duration or a fixed number of requests.

import autocannon from 'autocannon'
import type { CpuCost } from './cpu.ts'
import { round } from './stats.ts'

export interface LoadRun {
  url: string
  connections: number
  /** Seconds; ignored when amount is set. */
  durationSeconds?: number
  /** A fixed number of requests, for requests that each use up something prepared (a ticket). */
  amount?: number
  /** The status every response should have; others are counted as unexpected. */
  expectStatus: number
  request: autocannon.Request
}

export interface LoadFigures {
  /** Responses with the expected status per second of the run, or null when too few had it. */
  requestsPerSecond: number | null
  /** Latency of all responses, in milliseconds. */
  p50Ms: number | null
  p99Ms: number | null
  /** Responses with the expected status. */
  responses: number
  /** Responses with another status, by status, plus connection errors and timeouts. */
  unexpected: Record<string, number>
  durationSeconds: number
  /** CPU milliseconds per expected response, by process; null when none was counted. */
  cpu?: CpuCost | null
  /** The reason requestsPerSecond is null. */
  reason?: string
}

/**
 * Share of unexpected responses above which a run gives no rate: a server
 * that responds mostly with errors (a rate limit, a crash) is not measured by its
 * error pages.
 */
const MAX_UNEXPECTED_SHARE = 0.01

export async function runLoad(run: LoadRun): Promise<LoadFigures> {
  const result = await autocannon({
    url: run.url,
    connections: run.connections,
    pipelining: 1,
    timeout: 30,
    ...(run.amount === undefined
      ? { duration: run.durationSeconds ?? 10 }
      : { amount: run.amount }),
    requests: [run.request],
  })
  return figuresOf(result, run.expectStatus)
}

export function figuresOf(result: autocannon.Result, expectStatus: number): LoadFigures {
  let responses = 0
  const unexpected: Record<string, number> = {}
  for (const [status, { count = 0 }] of Object.entries(result.statusCodeStats ?? {})) {
    if (Number(status) === expectStatus) responses += count
    else unexpected[status] = count
  }
  if (result.errors > 0) unexpected['errors'] = result.errors
  if (result.timeouts > 0) unexpected['timeouts'] = result.timeouts

  const unexpectedCount = Object.values(unexpected).reduce((sum, count) => sum + count, 0)
  const total = responses + unexpectedCount
  const durationSeconds = result.duration
  const figures: LoadFigures = {
    requestsPerSecond: durationSeconds > 0 ? round(responses / durationSeconds) : null,
    p50Ms: total > 0 ? result.latency.p50 : null,
    p99Ms: total > 0 ? result.latency.p99 : null,
    responses,
    unexpected,
    durationSeconds,
  }
  if (total === 0) {
    figures.requestsPerSecond = null
    figures.reason = 'no response arrived'
  } else if (unexpectedCount / total > MAX_UNEXPECTED_SHARE) {
    figures.requestsPerSecond = null
    figures.reason = `${unexpectedCount} of ${total} responses were not ${expectStatus} (${describe(unexpected)})`
  }
  return figures
}

function describe(unexpected: Record<string, number>): string {
  return Object.entries(unexpected)
    .map(([status, count]) => `${count} × ${status}`)
    .join(', ')
}
