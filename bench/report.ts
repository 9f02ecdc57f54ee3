// The results file and the printed table: the figures of every measure and
// the headline figures computed from them, next to their aims.

import type { CpuCost } from './cpu.ts'
import type { CallbackFigures } from './http-measures.ts'
import type { FlowFigures } from './flow-client.ts'
import type { LoadFigures } from './load.ts'
import type { Machine } from './machine.ts'
import type { Memory } from './processes.ts'
import type { ClockWindow } from './profile-summary.ts'
import { median, roundRatios, type RoundRates } from './rounds.ts'
import { round } from './stats.ts'
import type { WebhookFigures } from './webhook-measure.ts'

export const CONNECTIONS = [1, 16, 64] as const
export type Connections = (typeof CONNECTIONS)[number]

/** The measures by their key in the results file, with the letter and title they have in the docs. */
export const MEASURES = {
  helloBare: 'a. bare fastify GET /hello',
  intentBare: 'b. bare fastify + pg, intent inserts',
  createSession: 'c. gateway POST /v1/sessions',
  startCallback: 'd. gateway POST /cb/{ticket}/ok',
  fullFlow: 'e. full flows (8 requests each)',
  webhookDelivery: 'f. webhook deliveries',
} as const
export type MeasureKey = keyof typeof MEASURES

/** A figure and, when it is null, why. */
export interface Figure {
  value: number | null
  reason?: string
}

export interface Results {
  date: string
  mode: 'full' | 'quick' | 'partial'
  machine: Machine
  /**
   * The machine's load averages over 1, 5 and 15 minutes when the run began
   * and ended: above the number of cores, other processes competed with the
   * bench for the CPU.
   */
  loadAverage: { atStart: number[]; atEnd: number[] }
  createVsBare: number | null
  callbackVsBare: number | null
  flowsPerSecond: number | null
  webhooksPerSecond: number | null
  p99Ms: number | null
  peakRssMb: number | null
  /** The reason for each headline figure above that is null. */
  nullReasons: Record<string, string>
  /** The two ratios in each round; the headline ratio is their median. */
  ratioRounds: { createVsBare: (number | null)[]; callbackVsBare: (number | null)[] }
  aims: Record<string, { aim: string; measured: number | null; met: boolean | null }>
  settings: Record<string, unknown>
  /**
   * The CPU each request (each flow for fullFlow) cost at 64 connections,
   * every process included, and the rate that many idle cores would allow at
   * that cost. It also gives the two ratios computed from CPU instead of
   * throughput, which move much less with the machine's other load.
   */
  cpuBudget: CpuBudget
  /**
   * With --profile: the gateway's CPU profile in bench/results/, and when
   * each gateway measure ran on the profile's clock, by letter.
   */
  profile?: { file: string; windows: Record<string, ClockWindow[]> }
  /** Each measure by number of connections (for (e), of flows at once); (f) has one figure. */
  measures: {
    helloBare: Record<string, LoadFigures & RoundRates>
    intentBare: Record<string, LoadFigures & RoundRates>
    createSession: Record<string, LoadFigures & RoundRates>
    startCallback: Record<string, CallbackFigures & RoundRates>
    fullFlow: Record<string, FlowFigures & RoundRates>
    webhookDelivery: WebhookFigures | null
  }
  /**
   * Memory of each server process at the end of the run, in MB; for the
   * gateway also its peak when it first responded, before any load, and its
   * resident set after each measure.
   */
  processes: Record<
    string,
    Memory & { peakRssAtReadyMb?: number | null; rssAfterMb?: Record<string, number | null> }
  >
}

export type Measured = Results['measures']

export interface CpuBudget {
  byMeasure: Record<string, { cpuMs: number; ceilingPerSecond: number }>
  createVsBare: number | null
  callbackVsBare: number | null
}

/** Computes the CPU budget at 64 connections from the measures and the number of cores. */
export function cpuBudget(measures: Measured, cores: number): CpuBudget {
  const totals: Record<string, number> = {}
  const candidates: [string, { cpu?: CpuCost | null } | undefined][] = [
    ['helloBare', measures.helloBare['64']],
    ['intentBare', measures.intentBare['64']],
    ['createSession', measures.createSession['64']],
    ['startCallback', measures.startCallback['64']],
    ['fullFlow', measures.fullFlow['64']],
  ]
  const byMeasure: CpuBudget['byMeasure'] = {}
  for (const [key, figures] of candidates) {
    const cost = figures?.cpu
    if (cost === null || cost === undefined) continue
    const cpuMs = round(cost.serverMs + cost.postgresMs + cost.loadGeneratorMs, 2)
    if (cpuMs <= 0) continue
    totals[key] = cpuMs
    byMeasure[key] = { cpuMs, ceilingPerSecond: Math.round((cores * 1000) / cpuMs) }
  }
  const ratio = (key: string) => {
    const bare = totals['intentBare']
    const gateway = totals[key]
    return bare === undefined || gateway === undefined ? null : round(bare / gateway, 2)
  }
  return { byMeasure, createVsBare: ratio('createSession'), callbackVsBare: ratio('startCallback') }
}

/** Computes the headline figures, and why any of them is null. */
export function headline(
  measures: Measured,
  gatewayPeakRssMb: number | null,
): Pick<
  Results,
  | 'createVsBare'
  | 'callbackVsBare'
  | 'flowsPerSecond'
  | 'webhooksPerSecond'
  | 'p99Ms'
  | 'peakRssMb'
  | 'nullReasons'
  | 'ratioRounds'
  | 'aims'
> {
  const nullReasons: Record<string, string> = {}
  const take = (key: string, figure: Figure) => {
    if (figure.value === null) nullReasons[key] = figure.reason ?? 'not measured in this run'
    return figure.value
  }

  const bare = measures.intentBare['64']
  const create = ratio(measures.createSession['64'], bare, 'c', 'b')
  const callback = ratio(measures.startCallback['64'], bare, 'd', 'b')
  const createVsBare = take('createVsBare', create)
  const callbackVsBare = take('callbackVsBare', callback)
  const flows = measures.fullFlow['64']
  const flowsPerSecond = take('flowsPerSecond', {
    value: flows?.flowsPerSecond ?? null,
    reason: flows === undefined ? 'full flows were not measured' : flows.reason,
  })
  const webhooks = measures.webhookDelivery
  const webhooksPerSecond = take('webhooksPerSecond', {
    value: webhooks?.deliveriesPerSecond ?? null,
    reason: webhooks === null ? 'webhook deliveries were not measured' : webhooks.reason,
  })
  const p99Ms = take('p99Ms', worstP99(measures))
  const peakRssMb = take('peakRssMb', {
    value: gatewayPeakRssMb,
    reason: 'VmHWM could not be read from /proc/PID/status',
  })

  const aims = {
    createVsBare: aim('at least 0.5', createVsBare, (value) => value >= 0.5),
    flowsPerSecond: aim('at least 300', flowsPerSecond, (value) => value >= 300),
    webhooksPerSecond: aim('at least 500', webhooksPerSecond, (value) => value >= 500),
    p99Ms: aim('under 100', p99Ms, (value) => value < 100),
    peakRssMb: aim('under 200', peakRssMb, (value) => value < 200),
  }
  return {
    createVsBare,
    callbackVsBare,
    flowsPerSecond,
    webhooksPerSecond,
    p99Ms,
    peakRssMb,
    nullReasons,
    ratioRounds: { createVsBare: create.rounds, callbackVsBare: callback.rounds },
    aims,
  }
}

/**
 * Returns the median over the rounds of gateway/bare at 64 connections: each
 * round's pair ran seconds apart, so a slow spell of the machine touches
 * both sides of a pair.
 */
function ratio(
  gateway: (LoadFigures & RoundRates) | undefined,
  bare: (LoadFigures & RoundRates) | undefined,
  gatewayLetter: string,
  bareLetter: string,
): Figure & { rounds: (number | null)[] } {
  if (gateway === undefined || bare === undefined)
    return {
      value: null,
      reason: `(${gatewayLetter}) or (${bareLetter}) was not measured at 64 connections`,
      rounds: [],
    }
  const rounds = roundRatios(gateway, bare)
  if (gateway.requestsPerSecond === null)
    return {
      value: null,
      reason: `(${gatewayLetter}) at 64 connections: ${gateway.reason}`,
      rounds,
    }
  if (bare.requestsPerSecond === null)
    return { value: null, reason: `(${bareLetter}) at 64 connections: ${bare.reason}`, rounds }
  const value = median(rounds.filter((r): r is number => r !== null))
  return { value: value === null ? null : round(value, 2), rounds }
}

/** Returns the worst p99 of the gateway's requests at 64 connections: (c), (d) and the requests of (e). */
function worstP99(measures: Measured): Figure {
  const candidates = [
    measures.createSession['64']?.p99Ms,
    measures.startCallback['64']?.p99Ms,
    measures.fullFlow['64']?.requestP99Ms,
  ].filter((value): value is number => typeof value === 'number')
  if (candidates.length === 0)
    return { value: null, reason: 'no gateway measure ran at 64 connections' }
  return { value: Math.max(...candidates) }
}

function aim(text: string, measured: number | null, test: (value: number) => boolean) {
  return { aim: text, measured, met: measured === null ? null : test(measured) }
}

/** Formats the results as the table the bench prints. */
export function formatTable(results: Results): string {
  const rows: string[][] = [
    ['measure', 'conns', 'per s', 'p50 ms', 'p99 ms', 'vs (b)', 'cpu ms srv+pg', 'note'],
  ]
  const loadRows = (
    key: MeasureKey,
    byConnections: Record<string, LoadFigures & RoundRates>,
    compare: boolean,
  ) => {
    for (const [connections, figures] of Object.entries(byConnections)) {
      const bare = results.measures.intentBare[connections]
      const ratios = compare && bare !== undefined ? roundRatios(figures, bare) : []
      const versus = median(ratios.filter((r): r is number => r !== null))
      rows.push([
        MEASURES[key],
        connections,
        text(figures.requestsPerSecond),
        text(figures.p50Ms),
        text(figures.p99Ms),
        versus === null ? '' : versus.toFixed(2),
        cpuText(figures.cpu),
        figures.reason ?? unexpectedNote(figures.unexpected),
      ])
    }
  }
  loadRows('helloBare', results.measures.helloBare, false)
  loadRows('intentBare', results.measures.intentBare, false)
  loadRows('createSession', results.measures.createSession, true)
  loadRows('startCallback', results.measures.startCallback, true)
  for (const [connections, flows] of Object.entries(results.measures.fullFlow)) {
    rows.push([
      MEASURES.fullFlow,
      connections,
      text(flows.flowsPerSecond),
      text(flows.p50Ms),
      text(flows.p99Ms),
      '',
      cpuText(flows.cpu),
      flows.reason ??
        `${flows.requestsPerSecond} requests/s, request p99 ${text(flows.requestP99Ms)} ms`,
    ])
  }
  const webhooks = results.measures.webhookDelivery
  if (webhooks !== null) {
    rows.push([
      MEASURES.webhookDelivery,
      '',
      text(webhooks.deliveriesPerSecond),
      text(webhooks.p50LagMs),
      text(webhooks.p99LagMs),
      '',
      cpuText(webhooks.cpu),
      webhooks.reason ?? `${webhooks.received} delivered, rate over the ${webhooks.basis}`,
    ])
  }

  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  const lines = rows.map((row) =>
    row
      .map((cell, column) =>
        column === 0 || column === row.length - 1
          ? cell.padEnd(widths[column]!)
          : cell.padStart(widths[column]!),
      )
      .join('  ')
      .trimEnd(),
  )

  lines.push(
    '',
    'per s: requests (e: flows, f: deliveries) per second; p50 and p99 of f are delays from callback to arrival.',
    'cpu ms srv+pg: CPU milliseconds per request (e: per flow) of the server process and of PostgreSQL.',
    'Each figure is the median of the rounds; vs (b) is the median of the round-by-round ratios.',
  )
  const budget = Object.entries(results.cpuBudget.byMeasure)
    .map(([key, { cpuMs, ceilingPerSecond }]) => `${key} ${cpuMs} ms (${ceilingPerSecond}/s)`)
    .join(', ')
  lines.push(
    '',
    `CPU per request at 64, all processes (the rate ${results.machine.cores} idle cores would allow): ${budget}`,
    `by CPU: createVsBare ${text(results.cpuBudget.createVsBare)}, callbackVsBare ${text(results.cpuBudget.callbackVsBare)}`,
  )
  lines.push('', 'headline (aims on 2 cores):')
  const headlines: [string, number | null, string][] = [
    ['createVsBare', results.createVsBare, 'c/b at 64 connections'],
    ['callbackVsBare', results.callbackVsBare, 'd/b at 64 connections'],
    ['flowsPerSecond', results.flowsPerSecond, 'full flows per second at 64'],
    ['webhooksPerSecond', results.webhooksPerSecond, 'webhook deliveries per second'],
    ['p99Ms', results.p99Ms, "the gateway's worst p99 at 64"],
    ['peakRssMb', results.peakRssMb, "the gateway's peak RSS"],
  ]
  for (const [key, value, meaning] of headlines) {
    const goal = results.aims[key]
    const verdict =
      goal === undefined
        ? ''
        : `aim ${goal.aim}: ${goal.met === null ? 'unknown' : goal.met ? 'met' : 'not met'}`
    const reason = results.nullReasons[key]
    lines.push(
      `  ${key.padEnd(18)} ${text(value).padStart(8)}  ${meaning}${verdict === '' ? '' : `; ${verdict}`}${reason === undefined ? '' : ` (${reason})`}`,
    )
  }
  return lines.join('\n')
}

/** CPU milliseconds per request (or flow) of the server and of PostgreSQL, as `2.74+1.84`. */
function cpuText(cost: CpuCost | null | undefined): string {
  return cost === null || cost === undefined ? '' : `${cost.serverMs}+${cost.postgresMs}`
}

function text(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : String(value)
}

function unexpectedNote(unexpected: Record<string, number>): string {
  const entries = Object.entries(unexpected)
  return entries.length === 0
    ? ''
    : `unexpected: ${entries.map(([status, count]) => `${count} × ${status}`).join(', ')}`
}
