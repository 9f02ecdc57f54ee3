// The gateway under measure, run through its own command line as an
// integrator runs it. As in docker-compose.yml, `sence-gateway migrate`
// runs first in a process of its own, which keeps Prisma's schema engine
// out of the server's memory. Then `sence-gateway serve` runs on the
// bench's database with the simulator on, and `sence-gateway otec create`
// registers the OTECs whose API keys the load uses.

import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { readDockerfileStages } from '../scripts/dockerfile-model.ts'
import { runNode, startServerProcess, type ServerProcess } from './processes.ts'

export const GATEWAY_BIN = fileURLToPath(new URL('../bin/sence-gateway.ts', import.meta.url))

/** Connections in the gateway's pg pool (its default) and in the pg baseline's. */
export const POOL_MAX = 10

/**
 * NODE_OPTIONS of the image's final stage: the V8 heap limits the gateway
 * runs with in production, so that the bench measures its memory and its
 * garbage collection as deployed.
 */
export function imageNodeOptions(): string {
  const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8')
  const final = readDockerfileStages(dockerfile).at(-1)
  const options = final?.instructions
    .filter((instruction) => instruction.keyword === 'ENV')
    .map((instruction) => instruction.env['NODE_OPTIONS'])
    .findLast((value) => value !== undefined)
  if (options === undefined)
    throw new Error('the Dockerfile sets no NODE_OPTIONS in its final stage')
  return options
}

export interface GatewaySetup {
  databaseUrl: string
  port: number
  logPath: string
  /** pino level of the gateway; `info`, its default, writes a line per request. */
  logLevel: string
  /** The gateway's NODE_OPTIONS: the image's (imageNodeOptions) unless the run chose others. */
  nodeOptions: string
  /** Folder for a V8 CPU profile (`node --cpu-prof`), or null for none. */
  cpuProfileDir: string | null
}

export interface Gateway {
  process: ServerProcess
  /** The settings both the server and the CLI commands run with. */
  env: Record<string, string>
}

export interface BenchOtec {
  id: string
  rut: string
  apiKey: string
}

export async function startGateway(setup: GatewaySetup): Promise<Gateway> {
  const baseUrl = `http://127.0.0.1:${setup.port}`
  const env = {
    DATABASE_URL: setup.databaseUrl,
    ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    HOST: '127.0.0.1',
    PORT: String(setup.port),
    PUBLIC_BASE_URL: baseUrl,
    SENCE_SIMULATOR: 'on',
    // The simulator replaces SENCE and ClaveÚnica, which cost the gateway
    // nothing in production, so its login page is skipped.
    SIMULATOR_AUTO_APPROVE: 'on',
    // Intents prepared at the start of the run must still be valid at its end.
    PENDING_TTL_SECONDS: '7200',
    // The webhook receiver is on loopback.
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'on',
    // Measure (f) stalls the receiver for the whole burst of callbacks (10
    // to 30 s); the attempts it holds must not time out meanwhile.
    WEBHOOK_TIMEOUT_MS: '120000',
    DATABASE_POOL_MAX: String(POOL_MAX),
    LOG_LEVEL: setup.logLevel,
    NODE_OPTIONS: setup.nodeOptions,
    // The load comes from one client IP and one API key: the per-IP and
    // per-key limits would otherwise answer most requests with 429.
    RATE_LIMIT_PER_KEY_PER_MINUTE: '1000000',
    RATE_LIMIT_API_PER_IP_PER_MINUTE: '1000000',
    RATE_LIMIT_BROWSER_PER_IP_PER_MINUTE: '1000000',
  }
  const profiling =
    setup.cpuProfileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${setup.cpuProfileDir}`]
  await runNode([GATEWAY_BIN, 'migrate'], env)
  const process = await startServerProcess({
    name: 'gateway',
    nodeArgs: [...profiling, GATEWAY_BIN, 'serve'],
    env,
    baseUrl,
    readyPath: '/healthz',
    logPath: setup.logPath,
  })
  return { process, env }
}

/** Registers an OTEC in the test environment with `sence-gateway otec create --json`. */
export async function createOtec(
  gateway: Gateway,
  options: { rut: string; name: string; webhookUrl: string; returnOrigin: string },
): Promise<BenchOtec> {
  const output = await runNode(
    [
      GATEWAY_BIN,
      'otec',
      'create',
      '--rut',
      options.rut,
      '--name',
      options.name,
      '--environment',
      'test',
      '--webhook-url',
      options.webhookUrl,
      '--return-origin',
      options.returnOrigin,
      '--json',
    ],
    { ...gateway.env, SENCE_TOKEN: '12345678-1234-1234-1234-123456789' },
  )
  const created = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as {
    id?: string
    apiKey?: string
  }
  if (typeof created.id !== 'string' || typeof created.apiKey !== 'string')
    throw new Error(`otec create printed no id and API key: ${output}`)
  return { id: created.id, rut: options.rut, apiKey: created.apiKey }
}
