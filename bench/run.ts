// `npm run bench`: measures the gateway against bare fastify and bare
// fastify + pg on this machine, side by side in one run, and writes
// bench/results/latest.json. docs/benchmark.md explains each measure;
// `npm run bench -- --help` lists the options.

import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import * as prettier from 'prettier'
import { type CpuCost, CpuMeter } from './cpu.ts'
import { createBenchDatabase, type BenchDatabase } from './database.ts'
import { type FlowFigures, measureFlows } from './flow-client.ts'
import {
  type BenchOtec,
  createOtec,
  type Gateway,
  imageNodeOptions,
  POOL_MAX,
  startGateway,
} from './gateway.ts'
import {
  type CallbackFigures,
  measureBareIntent,
  measureCallback,
  measureCreate,
  measureHello,
  minimumCallbacks,
  prepareIntents,
  serveLaunchPages,
  type RunShape,
} from './http-measures.ts'
import type { PreparedIntent } from './intents.ts'
import type { LoadFigures } from './load.ts'
import { describeMachine } from './machine.ts'
import { type Plan, planFromArguments, RESULTS_DIR, USAGE, UsageError } from './plan.ts'
import { freePort, memoryOf, type ServerProcess, startServerProcess } from './processes.ts'
import { type ClockWindow, formatSummary, summariseProfile } from './profile-summary.ts'
import { CONNECTIONS, cpuBudget, formatTable, headline, type Results } from './report.ts'
import { combineCallbacks, combineFlows, combineLoad } from './rounds.ts'
import { deliveryStatuses, measureWebhooks, type WebhookFigures } from './webhook-measure.ts'
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts'

const BASELINE_SERVER = fileURLToPath(new URL('./baseline-server.ts', import.meta.url))

/**
 * The servers, the receiver and the database the run started. main calls
 * releaseAll after the results, after a failure and on SIGINT, and it stops
 * them in reverse order.
 */
class Resources {
  private readonly releases: (() => Promise<unknown>)[] = []

  add(release: () => Promise<unknown>) {
    this.releases.push(release)
  }

  async releaseAll() {
    while (this.releases.length > 0) {
      const release = this.releases.pop() as () => Promise<unknown>
      await release().catch((error: unknown) =>
        console.error(`bench: cleanup failed: ${(error as Error).message}`),
      )
    }
  }
}

/** Everything the measures run against. */
interface Bench {
  database: BenchDatabase
  receiver: WebhookReceiver
  gateway: Gateway
  loadOtec: BenchOtec
  webhookOtec: BenchOtec
  hello: ServerProcess | undefined
  bareIntent: ServerProcess | undefined
  /** The LMS's return URL, on the receiver, which is the bench's stand-in for an LMS. */
  returnUrl: string
  /** Logs a measure's figures. */
  progress(message: string): void
  /** Logs a gateway measure's figures with the gateway's resident set, and keeps the latter. */
  measured(label: string, description: string): void
  gatewayRssAfter: Record<string, number | null>
  gatewayPeakAtReadyMb: number | null
  /** When each gateway measure ran, by letter, so that a CPU profile can be read per measure. */
  clockWindows: Map<string, ClockWindow[]>
  cpu: CpuMeter
}

/**
 * Runs one measure against the server with process id `serverPid`, records
 * the CPU it cost per request (or flow) and when it ran on the monotonic
 * clock that CPU profiles use.
 */
async function metered<
  T extends { responses?: number; flows?: number; received?: number; cpu?: CpuCost | null },
>(bench: Bench, letter: string, serverPid: number, work: () => Promise<T>): Promise<T> {
  const before = await bench.cpu.snapshot(serverPid)
  const startUs = Number(process.hrtime.bigint() / 1000n)
  const figures = await work()
  const window = [startUs, Number(process.hrtime.bigint() / 1000n)] as const
  bench.clockWindows.set(letter, [...(bench.clockWindows.get(letter) ?? []), window])
  const units = figures.responses ?? figures.flows ?? figures.received ?? 0
  figures.cpu = await bench.cpu.since(before, units)
  return figures
}

async function main(): Promise<number> {
  let plan: Plan | 'help'
  try {
    plan = planFromArguments(process.argv.slice(2))
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    console.error(error.message)
    return 2
  }
  if (plan === 'help') {
    console.log(USAGE)
    return 0
  }

  mkdirSync(RESULTS_DIR, { recursive: true })
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'sg-bench-'))
  const resources = new Resources()
  process.once('SIGINT', () => {
    console.error('bench: interrupted; stopping the servers and dropping the database')
    void resources.releaseAll().then(() => process.exit(130))
  })
  const startedAt = Date.now()
  const loadAtStart = os.loadavg()
  const progress = (message: string) =>
    console.error(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${message}`)

  try {
    const bench = await setUp(plan, resources, logDir, progress)
    await warmUp(bench, plan)
    progress('warmed up')

    const measures = await runRequestRounds(bench, plan)
    measures.fullFlow = await runFlowRounds(bench, plan)
    if (plan.measures.has('f')) {
      const duringLoad = await waitForLoadWebhooks(bench, plan)
      measures.webhookDelivery = await metered(bench, 'f', bench.gateway.process.pid, () =>
        measureWebhooks({
          gatewayUrl: bench.gateway.process.baseUrl,
          databaseUrl: bench.database.url,
          otec: bench.webhookOtec,
          receiver: bench.receiver,
          receiverPath: '/hooks/burst',
          returnUrl: bench.returnUrl,
          callbacks: plan.webhookCallbacks,
          idleSeconds: plan.webhookIdleSeconds,
          maxSeconds: plan.webhookMaxSeconds,
        }),
      )
      measures.webhookDelivery.duringLoad = duringLoad
      bench.measured('(f)', describeWebhooks(measures.webhookDelivery))
    }

    const processes = memoryOfServers(bench)
    await resources.releaseAll()
    progress('stopped the servers and dropped the database')

    const machine = describeMachine(bench.database.serverVersion)
    const results: Results = {
      date: new Date().toISOString(),
      mode: plan.mode,
      machine,
      loadAverage: { atStart: loadAtStart.map(twoDigits), atEnd: os.loadavg().map(twoDigits) },
      ...headline(measures, processes['gateway']?.peakRssMb ?? null),
      cpuBudget: cpuBudget(measures, machine.cores),
      settings: {
        rounds: plan.rounds,
        durationSeconds: plan.durationSeconds,
        warmUpSeconds: plan.warmUpSeconds,
        connections: [...CONNECTIONS],
        gatewayLogLevel: plan.logLevel,
        gatewayNodeOptions: plan.nodeOptions ?? imageNodeOptions(),
        databasePoolMax: POOL_MAX,
        simulatorAutoApprove: true,
        webhookCallbacks: plan.webhookCallbacks,
        loadGenerator:
          'autocannon 9 and the flow client in the bench process, on the same cores as the servers',
      },
      measures,
      processes,
    }
    const profileFile = plan.profile ? newestProfile(startedAt) : null
    if (profileFile !== null)
      results.profile = {
        file: path.basename(profileFile),
        windows: Object.fromEntries(bench.clockWindows),
      }
    writeFileSync(plan.outputFile, await formatJson(results, plan.outputFile))
    console.log(formatTable(results))
    console.log(`\nwrote ${path.relative(process.cwd(), plan.outputFile)}`)
    if (plan.profile) printProfile(profileFile, bench.clockWindows)
    rmSync(logDir, { recursive: true, force: true })
    return 0
  } catch (error) {
    await resources.releaseAll()
    console.error(`bench failed: ${(error as Error).stack ?? String(error)}`)
    console.error(`the servers' output is in ${logDir}`)
    return 1
  }
}

async function setUp(
  plan: Plan,
  resources: Resources,
  logDir: string,
  progress: (message: string) => void,
): Promise<Bench> {
  const database = await createBenchDatabase()
  resources.add(() => database.drop())
  progress(`created database ${database.name}`)

  const receiver = await startWebhookReceiver(await freePort())
  resources.add(() => receiver.close())

  const gateway = await startGateway({
    databaseUrl: database.url,
    port: await freePort(),
    logPath: path.join(logDir, 'gateway.log'),
    logLevel: plan.logLevel,
    nodeOptions: plan.nodeOptions ?? imageNodeOptions(),
    cpuProfileDir: plan.profile ? RESULTS_DIR : null,
  })
  resources.add(() => gateway.process.stop())
  const atReady = memoryOf(gateway.process.pid)
  progress(
    `gateway listening at ${gateway.process.baseUrl} (pid ${gateway.process.pid}, RSS ${atReady.rssMb} MB)`,
  )

  const loadOtec = await createOtec(gateway, {
    rut: '76100001-2',
    name: 'OTEC de carga',
    webhookUrl: `${receiver.baseUrl}/hooks/load`,
    returnOrigin: receiver.baseUrl,
  })
  const webhookOtec = await createOtec(gateway, {
    rut: '76100002-0',
    name: 'OTEC de webhooks',
    webhookUrl: `${receiver.baseUrl}/hooks/burst`,
    returnOrigin: receiver.baseUrl,
  })
  progress('created the OTECs')

  const startBaseline = async (baseline: 'hello' | 'intent') => {
    const port = await freePort()
    const server = await startServerProcess({
      name: `${baseline} baseline`,
      nodeArgs: [BASELINE_SERVER],
      env: {
        BASELINE: baseline,
        PORT: String(port),
        DATABASE_URL: database.url,
        DATABASE_POOL_MAX: String(POOL_MAX),
        OTEC_ID: loadOtec.id,
        OTEC_RUT: loadOtec.rut,
        PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      },
      baseUrl: `http://127.0.0.1:${port}`,
      readyPath: '/healthz',
      logPath: path.join(logDir, `${baseline}-baseline.log`),
    })
    resources.add(() => server.stop())
    return server
  }
  const hello = plan.measures.has('a') ? await startBaseline('hello') : undefined
  const bareIntent = plan.measures.has('b') ? await startBaseline('intent') : undefined

  const cpu = await CpuMeter.open(database.url)
  resources.add(() => cpu.close())
  const gatewayRssAfter: Record<string, number | null> = { ready: atReady.rssMb }
  return {
    database,
    receiver,
    gateway,
    loadOtec,
    webhookOtec,
    hello,
    bareIntent,
    returnUrl: `${receiver.baseUrl}/lms/back`,
    progress,
    measured: (label, description) => {
      const { rssMb } = memoryOf(gateway.process.pid)
      gatewayRssAfter[label] = rssMb
      progress(`${label}: ${description} (gateway RSS ${rssMb} MB)`)
    },
    gatewayRssAfter,
    gatewayPeakAtReadyMb: atReady.peakRssMb,
    clockWindows: new Map(),
    cpu,
  }
}

/** Runs every server's paths once, untimed, so that the JIT and the connection pools are warm. */
async function warmUp(bench: Bench, plan: Plan) {
  const shape: RunShape = { connections: 16, durationSeconds: plan.warmUpSeconds }
  const gatewayUrl = bench.gateway.process.baseUrl
  if (bench.hello !== undefined) await measureHello(bench.hello.baseUrl, shape)
  if (bench.bareIntent !== undefined)
    await measureBareIntent(bench.bareIntent.baseUrl, shape, bench.returnUrl)
  if (plan.measures.has('c')) {
    const intents: PreparedIntent[] = []
    await measureCreate(gatewayUrl, bench.loadOtec.apiKey, shape, bench.returnUrl, intents)
    if (plan.measures.has('d')) {
      await serveLaunchPages(gatewayUrl, intents)
      await measureCallback(gatewayUrl, intents, 16)
    }
  }
  if (plan.measures.has('e'))
    await measureFlows({
      gatewayUrl,
      apiKey: bench.loadOtec.apiKey,
      returnUrl: bench.returnUrl,
      concurrency: 16,
      durationSeconds: plan.warmUpSeconds,
    })
}

/**
 * Measures (a) to (d). In each round, at each number of connections, the
 * four run one after the other, so that each ratio compares runs seconds
 * apart. (c) creates the intents whose tickets (d) then uses.
 */
async function runRequestRounds(bench: Bench, plan: Plan): Promise<Results['measures']> {
  const gatewayUrl = bench.gateway.process.baseUrl
  const rounds = {
    helloBare: new Map<number, LoadFigures[]>(),
    intentBare: new Map<number, LoadFigures[]>(),
    createSession: new Map<number, LoadFigures[]>(),
    startCallback: new Map<number, CallbackFigures[]>(),
  }
  const keep = <T>(byConnections: Map<number, T[]>, connections: number, figures: T) =>
    byConnections.set(connections, [...(byConnections.get(connections) ?? []), figures])

  for (let round = 1; round <= plan.rounds; round += 1) {
    for (const connections of CONNECTIONS) {
      const shape: RunShape = { connections, durationSeconds: plan.durationSeconds }
      const label = (letter: string) => `round ${round} (${letter}) ${connections}`
      if (bench.hello !== undefined) {
        const { hello } = bench
        const figures = await metered(bench, 'a', hello.pid, () =>
          measureHello(hello.baseUrl, shape),
        )
        keep(rounds.helloBare, connections, figures)
        bench.progress(`${label('a')}: ${describe(figures)}`)
      }
      if (bench.bareIntent !== undefined) {
        const { bareIntent } = bench
        const figures = await metered(bench, 'b', bareIntent.pid, () =>
          measureBareIntent(bareIntent.baseUrl, shape, bench.returnUrl),
        )
        keep(rounds.intentBare, connections, figures)
        bench.progress(`${label('b')}: ${describe(figures)}`)
      }
      if (plan.measures.has('c')) {
        const intents: PreparedIntent[] = []
        const created = await metered(bench, 'c', bench.gateway.process.pid, () =>
          measureCreate(gatewayUrl, bench.loadOtec.apiKey, shape, bench.returnUrl, intents),
        )
        keep(rounds.createSession, connections, created)
        bench.measured(label('c'), describe(created))
        if (plan.measures.has('d')) {
          // A slow (c) leaves too few tickets for (d): the rest are created unmeasured.
          const missing = connections + minimumCallbacks(connections) - intents.length
          if (missing > 0)
            intents.push(
              ...(await prepareIntents(
                gatewayUrl,
                bench.loadOtec.apiKey,
                bench.returnUrl,
                missing,
              )),
            )
          await serveLaunchPages(gatewayUrl, intents)
          const callbacks = await metered(bench, 'd', bench.gateway.process.pid, () =>
            measureCallback(gatewayUrl, intents, connections),
          )
          keep(rounds.startCallback, connections, callbacks)
          bench.measured(label('d'), describe(callbacks))
        }
      }
    }
  }

  const combined = <T, R>(byConnections: Map<number, T[]>, combine: (rounds: T[]) => R) =>
    Object.fromEntries(
      [...byConnections].map(([connections, figures]) => [String(connections), combine(figures)]),
    )
  return {
    helloBare: combined(rounds.helloBare, combineLoad),
    intentBare: combined(rounds.intentBare, combineLoad),
    createSession: combined(rounds.createSession, combineLoad),
    startCallback: combined(rounds.startCallback, combineCallbacks),
    fullFlow: {},
    webhookDelivery: null,
  }
}

/** Measure (e), in rounds as the others. */
async function runFlowRounds(bench: Bench, plan: Plan): Promise<Results['measures']['fullFlow']> {
  if (!plan.measures.has('e')) return {}
  const byConcurrency = new Map<number, FlowFigures[]>()
  for (let round = 1; round <= plan.rounds; round += 1) {
    for (const concurrency of CONNECTIONS) {
      const figures = await metered(bench, 'e', bench.gateway.process.pid, () =>
        measureFlows({
          gatewayUrl: bench.gateway.process.baseUrl,
          apiKey: bench.loadOtec.apiKey,
          returnUrl: bench.returnUrl,
          concurrency,
          durationSeconds: plan.durationSeconds,
        }),
      )
      byConcurrency.set(concurrency, [...(byConcurrency.get(concurrency) ?? []), figures])
      bench.measured(`round ${round} (e) ${concurrency}`, describeFlows(figures))
    }
  }
  return Object.fromEntries(
    [...byConcurrency].map(([concurrency, rounds]) => [String(concurrency), combineFlows(rounds)]),
  )
}

/**
 * Waits until the webhooks that the callbacks of (d) and (e) caused are
 * delivered, so that they are not delivered during (f). Waits only when
 * some were delivered: a gateway without a delivery worker delivers none.
 */
async function waitForLoadWebhooks(bench: Bench, plan: Plan) {
  const pool = new pg.Pool({ connectionString: bench.database.url, max: 1 })
  try {
    const deadline = Date.now() + plan.webhookMaxSeconds * 1000
    for (;;) {
      const statuses = await deliveryStatuses(pool, bench.loadOtec.id).catch(() => null)
      const received = bench.receiver.counts('/hooks/load').deliveries
      if (statuses === null || statuses.pending === 0 || received === 0 || Date.now() > deadline)
        return { received, statuses }
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
  } finally {
    await pool.end()
  }
}

function memoryOfServers(bench: Bench): Results['processes'] {
  const processes: Results['processes'] = {
    gateway: {
      ...memoryOf(bench.gateway.process.pid),
      peakRssAtReadyMb: bench.gatewayPeakAtReadyMb,
      rssAfterMb: bench.gatewayRssAfter,
    },
  }
  if (bench.hello !== undefined) processes['helloBare'] = memoryOf(bench.hello.pid)
  if (bench.bareIntent !== undefined) processes['intentBare'] = memoryOf(bench.bareIntent.pid)
  return processes
}

/** Returns the newest CPU profile written since a time, or null. */
function newestProfile(since: number): string | null {
  const profiles = readdirSync(RESULTS_DIR)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => path.join(RESULTS_DIR, name))
    .filter((file) => statSync(file).mtimeMs >= since)
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
  return profiles[0] ?? null
}

/**
 * Prints the self time of the gateway's CPU profile over the whole run, then
 * over the runs of each gateway measure alone.
 */
function printProfile(file: string | null, clockWindows: Map<string, ClockWindow[]>) {
  if (file === null) {
    console.log('\nthe gateway wrote no CPU profile: it writes one only when it exits by itself')
    return
  }
  console.log(`\nCPU profile ${path.relative(process.cwd(), file)}, the whole run:`)
  console.log(formatSummary(summariseProfile(file)))
  for (const [letter, windows] of clockWindows) {
    console.log(`\nthe same profile, during (${letter}) only:`)
    console.log(formatSummary(summariseProfile(file, 25, windows)))
  }
}

/** Formats the results as the repository's formatter would, so that `npm run format` leaves them alone. */
async function formatJson(value: unknown, file: string): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {}
  return prettier.format(JSON.stringify(value), { ...options, parser: 'json' })
}

function twoDigits(value: number): number {
  return Math.round(value * 100) / 100
}

function describe(figures: LoadFigures): string {
  if (figures.requestsPerSecond === null) return `no figure: ${figures.reason}`
  return `${figures.requestsPerSecond}/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms`
}

function describeFlows(figures: FlowFigures): string {
  if (figures.flowsPerSecond === null) return `no figure: ${figures.reason}`
  return `${figures.flowsPerSecond} flows/s, flow p99 ${figures.p99Ms} ms, request p99 ${figures.requestP99Ms} ms`
}

function describeWebhooks(figures: WebhookFigures): string {
  if (figures.deliveriesPerSecond === null) return `no figure: ${figures.reason}`
  return `${figures.deliveriesPerSecond} deliveries/s (${figures.basis})`
}

process.exitCode = await main()
