// Runs the benchmark's quick mode, as CI does, and checks that it writes
// every figure of bench/results/latest-quick.json, each a number or a null
// with its reason, and that it drops its database. Nothing here is about
// speed: the machine that runs the suite is shared and its figures vary.

import { spawn } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import t, { type Test } from 'tap'
import { TEST_ADMIN_URL } from '../helpers/test-database.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const RESULTS = fileURLToPath(new URL('../../bench/results/latest-quick.json', import.meta.url))

const HEADLINE_FIGURES = [
  'createVsBare',
  'callbackVsBare',
  'flowsPerSecond',
  'webhooksPerSecond',
  'p99Ms',
  'peakRssMb',
]
const REQUEST_MEASURES = ['helloBare', 'intentBare', 'createSession', 'startCallback']
const CONNECTIONS = ['1', '16', '64']

type Json = Record<string, any>

async function runQuickBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bench/run.ts', '--quick'], {
    cwd: ROOT,
    env: { ...process.env, BENCH_DATABASE_URL: TEST_ADMIN_URL },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // The bench keeps both cores busy for half a minute. At the lowest
  // priority, which the servers it starts inherit, it does not starve the
  // test files that run beside it, some of which fail when starved of CPU.
  if (child.pid !== undefined) os.setPriority(child.pid, 19)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  return { code, stdout, stderr }
}

/** Checks that a figure is a finite number, or null with a reason that explains it. */
function checkFigure(t: Test, where: string, value: unknown, reason: unknown) {
  if (value === null) {
    t.type(reason, 'string', `${where} is null, so it has a reason`)
    t.ok(String(reason).length > 10, `${where}: the reason says something (${reason})`)
  } else {
    t.ok(typeof value === 'number' && Number.isFinite(value), `${where} is a number (${value})`)
  }
}

// Half a minute on an idle machine, but it runs at the lowest priority
// beside the other test files, so it gets more than tap's usual two minutes.
t.setTimeout(600_000)
const startedAt = Date.now()
const run = await runQuickBench()

t.test('quick bench exits cleanly', async (t) => {
  t.equal(run.code, 0, `exit code; stderr:\n${run.stderr}`)
  t.match(run.stdout, /headline \(aims on 2 cores\):/, 'prints the table and the headline')
  t.match(run.stdout, /wrote bench\/results\/latest-quick\.json/)
})

t.test('quick results file', async (t) => {
  t.ok(statSync(RESULTS).mtimeMs >= startedAt, 'latest-quick.json was written by this run')
  const results = JSON.parse(readFileSync(RESULTS, 'utf8')) as Json
  t.equal(results['mode'], 'quick')
  t.ok(Date.parse(results['date']) >= startedAt - 1000, 'date is this run’s')

  const machine = results['machine'] as Json
  t.type(machine['cpuModel'], 'string')
  t.ok(machine['cores'] >= 1, 'cores')
  t.ok(machine['memoryMb'] > 0, 'memoryMb')
  t.match(machine['node'], /^v\d+\./, 'node version')

  for (const key of HEADLINE_FIGURES)
    checkFigure(t, key, results[key], results['nullReasons']?.[key])
  for (const [key, reason] of Object.entries(results['nullReasons'] as Json))
    t.equal(results[key], null, `nullReasons.${key} explains a null (${reason})`)

  const measures = results['measures'] as Json
  for (const measure of REQUEST_MEASURES) {
    for (const connections of CONNECTIONS) {
      const figures = measures[measure]?.[connections] as Json | undefined
      const where = `${measure} at ${connections}`
      t.ok(figures, `${where} was measured`)
      checkFigure(
        t,
        `${where} requestsPerSecond`,
        figures?.['requestsPerSecond'],
        figures?.['reason'],
      )
      for (const latency of ['p50Ms', 'p99Ms'])
        checkFigure(t, `${where} ${latency}`, figures?.[latency], figures?.['reason'])
    }
  }
  for (const connections of CONNECTIONS) {
    const flows = measures['fullFlow']?.[connections] as Json | undefined
    const where = `fullFlow at ${connections}`
    t.ok(flows, `${where} was measured`)
    checkFigure(t, `${where} flowsPerSecond`, flows?.['flowsPerSecond'], flows?.['reason'])
    checkFigure(t, `${where} requestsPerSecond`, flows?.['requestsPerSecond'], flows?.['reason'])
    for (const latency of ['p50Ms', 'p99Ms'])
      checkFigure(t, `${where} ${latency}`, flows?.[latency], flows?.['reason'])
  }
  const webhooks = measures['webhookDelivery'] as Json
  t.ok(webhooks, 'webhook deliveries were measured')
  checkFigure(
    t,
    'webhookDelivery deliveriesPerSecond',
    webhooks?.['deliveriesPerSecond'],
    webhooks?.['reason'],
  )

  t.ok(results['processes']?.['gateway']?.['peakRssMb'] > 0, 'the gateway’s peak RSS')
})

t.test('quick bench drops its database', async (t) => {
  const name = /created database (sg_bench_[0-9a-f]+)/.exec(run.stderr)?.[1]
  t.ok(name, 'the bench names the database it created')
  const client = new pg.Client({ connectionString: TEST_ADMIN_URL })
  await client.connect()
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
    t.equal(found.rowCount, 0, `${name} no longer exists`)
  } finally {
    await client.end()
  }
})
