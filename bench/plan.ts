// The bench's command line: which measures to run, for how long, and where
// the results go.

import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

export const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url))

export const USAGE = `usage: npm run bench -- [--quick] [--only=LETTERS] [--profile] [--rounds=N] [--duration=SECONDS] [--log-level=LEVEL]

  --quick            one round of about 1 s per run, for CI; writes bench/results/latest-quick.json
  --only=LETTERS     only these measures, comma-separated: a hello, b pg baseline,
                     c create, d callback, e full flows, f webhooks; (d) also runs (c),
                     which prepares its tickets
  --profile          runs the gateway under node --cpu-prof; the profile goes to bench/results/
  --rounds=N         rounds of every measure; each figure is the median (default 3, quick 1)
  --duration=SECONDS length of each load run (default 5, quick 1)
  --log-level=LEVEL  the gateway's LOG_LEVEL (default info, the gateway's own default)
  --node-options=OPTIONS
                     the gateway's NODE_OPTIONS (default: the Dockerfile's, the image's V8 heap limits)

The full run writes bench/results/latest.json; runs with --only, --profile or --node-options
write bench/results/latest-partial.json.`

export type Mode = 'full' | 'quick' | 'partial'

export interface Plan {
  mode: Mode
  /** Letters a to f. */
  measures: Set<string>
  profile: boolean
  rounds: number
  durationSeconds: number
  warmUpSeconds: number
  logLevel: string
  /** The gateway's NODE_OPTIONS, or null for the Dockerfile's. */
  nodeOptions: string | null
  /** Start callbacks whose webhooks (f) waits for. */
  webhookCallbacks: number
  /** (f) ends when nothing changes for this long. */
  webhookIdleSeconds: number
  webhookMaxSeconds: number
  outputFile: string
}

/** Thrown for a command line that cannot be run; the message ends with the usage. */
export class UsageError extends Error {}

export function planFromArguments(args: string[]): Plan | 'help' {
  let values
  try {
    values = parseArgs({
      args,
      options: {
        quick: { type: 'boolean' },
        only: { type: 'string' },
        profile: { type: 'boolean' },
        rounds: { type: 'string' },
        duration: { type: 'string' },
        'log-level': { type: 'string' },
        'node-options': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USAGE}`)
  }
  if (values.help === true) return 'help'

  const quick = values.quick === true
  const measures = new Set((values.only ?? 'a,b,c,d,e,f').split(',').map((m) => m.trim()))
  for (const measure of measures)
    if (!/^[a-f]$/.test(measure))
      throw new UsageError(`--only: unknown measure "${measure}"; use letters a to f\n\n${USAGE}`)
  if (measures.has('d')) measures.add('c')

  const rounds = positiveNumber('--rounds', values.rounds, quick ? 1 : 3)
  if (!Number.isInteger(rounds))
    throw new UsageError(`--rounds must be a whole number, not ${rounds}`)
  const durationSeconds = positiveNumber('--duration', values.duration, quick ? 1 : 5)

  const partial =
    values.only !== undefined || values.profile === true || values['node-options'] !== undefined
  let mode: Mode = 'full'
  if (quick) mode = 'quick'
  if (partial) mode = 'partial'
  const fileName = {
    full: 'latest.json',
    quick: 'latest-quick.json',
    partial: 'latest-partial.json',
  }
  return {
    mode,
    measures,
    profile: values.profile === true,
    rounds,
    durationSeconds,
    warmUpSeconds: quick ? 0.5 : 3,
    logLevel: values['log-level'] ?? 'info',
    nodeOptions: values['node-options'] ?? null,
    webhookCallbacks: quick ? 300 : 3000,
    webhookIdleSeconds: quick ? 2 : 10,
    webhookMaxSeconds: quick ? 10 : 120,
    outputFile: path.join(RESULTS_DIR, fileName[mode]),
  }
}

function positiveNumber(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const number = Number(value)
  if (!(number > 0)) throw new UsageError(`${option} must be a positive number, not "${value}"`)
  return number
}
