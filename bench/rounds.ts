// The figures of several rounds of one measure, combined. Each round runs
// every measure once, side by side, and a measure's figure is the median of
// its rounds. A burst of load from elsewhere on a shared machine then moves
// one round and not the result.

import type { CpuCost } from './cpu.ts'
import type { CallbackFigures } from './http-measures.ts'
import type { FlowFigures } from './flow-client.ts'
import type { LoadFigures } from './load.ts'
import { round } from './stats.ts'

/** A rate's value in each round, in the order the rounds ran. */
export interface RoundRates {
  rounds: (number | null)[]
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

const medianOf = (values: (number | null)[]) => {
  const value = median(values.filter((v): v is number => v !== null))
  return value === null ? null : round(value)
}

function sumCounts(counts: Record<string, number>[]): Record<string, number> {
  const total: Record<string, number> = {}
  for (const entry of counts)
    for (const [key, count] of Object.entries(entry)) total[key] = (total[key] ?? 0) + count
  return total
}

/** Returns the first round whose rate is null, with its reason, or null when every round has a rate. */
function failedRound(rates: (number | null)[], reasons: (string | undefined)[]): string | null {
  const index = rates.findIndex((rate) => rate === null)
  return index === -1 ? null : `round ${index + 1}: ${reasons[index] ?? 'no figure'}`
}

/** Returns the median of each CPU figure over the rounds that have one. */
function combineCpu(rounds: { cpu?: CpuCost | null }[]): CpuCost | null {
  const costs = rounds.map((figures) => figures.cpu).filter((cost) => cost != null)
  if (costs.length === 0) return null
  const medianMs = (pick: (cost: CpuCost) => number) => round(median(costs.map(pick)) as number, 2)
  return {
    serverMs: medianMs((cost) => cost.serverMs),
    postgresMs: medianMs((cost) => cost.postgresMs),
    loadGeneratorMs: medianMs((cost) => cost.loadGeneratorMs),
  }
}

export function combineLoad(rounds: LoadFigures[]): LoadFigures & RoundRates {
  const rates = rounds.map((figures) => figures.requestsPerSecond)
  const failure = failedRound(
    rates,
    rounds.map((figures) => figures.reason),
  )
  return {
    requestsPerSecond: failure === null ? medianOf(rates) : null,
    p50Ms: medianOf(rounds.map((figures) => figures.p50Ms)),
    p99Ms: medianOf(rounds.map((figures) => figures.p99Ms)),
    responses: rounds.reduce((sum, figures) => sum + figures.responses, 0),
    unexpected: sumCounts(rounds.map((figures) => figures.unexpected)),
    durationSeconds: round(
      rounds.reduce((sum, figures) => sum + figures.durationSeconds, 0),
      2,
    ),
    cpu: combineCpu(rounds),
    ...(failure === null ? {} : { reason: failure }),
    rounds: rates,
  }
}

export function combineCallbacks(rounds: CallbackFigures[]): CallbackFigures & RoundRates {
  return {
    ...combineLoad(rounds),
    callbacks: rounds.reduce((sum, figures) => sum + figures.callbacks, 0),
  }
}

export function combineFlows(rounds: FlowFigures[]): FlowFigures & RoundRates {
  const rates = rounds.map((figures) => figures.flowsPerSecond)
  const failure = failedRound(
    rates,
    rounds.map((figures) => figures.reason),
  )
  return {
    flowsPerSecond: failure === null ? medianOf(rates) : null,
    p50Ms: medianOf(rounds.map((figures) => figures.p50Ms)),
    p99Ms: medianOf(rounds.map((figures) => figures.p99Ms)),
    requestsPerSecond: medianOf(rounds.map((figures) => figures.requestsPerSecond)) ?? 0,
    requestP50Ms: medianOf(rounds.map((figures) => figures.requestP50Ms)),
    requestP99Ms: medianOf(rounds.map((figures) => figures.requestP99Ms)),
    flows: rounds.reduce((sum, figures) => sum + figures.flows, 0),
    failures: sumCounts(rounds.map((figures) => figures.failures)),
    durationSeconds: round(
      rounds.reduce((sum, figures) => sum + figures.durationSeconds, 0),
      2,
    ),
    cpu: combineCpu(rounds),
    ...(failure === null ? {} : { reason: failure }),
    rounds: rates,
  }
}

/** Returns the ratio of two measures round by round (in one round they ran seconds apart), or null where either has no rate. */
export function roundRatios(numerator: RoundRates, denominator: RoundRates): (number | null)[] {
  return numerator.rounds.map((value, index) => {
    const base = denominator.rounds[index]
    return value === null || base === null || base === undefined || base === 0
      ? null
      : round(value / base, 3)
  })
}
