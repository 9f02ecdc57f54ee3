// Runs several `sence-gateway serve` processes on one test database, as a
// deployment behind a load balancer does, and prepares SENCE callbacks to
// send to them. Each session is created through the API and taken through
// the auto-approving simulator, up to the form that SENCE would post back.

import { createOtec } from '../../src/otecs/create-otec.ts'
import type { Database } from '../../src/persistence/database.ts'
import { checkDigit } from '../../src/protocol/run.ts'
import { createSecretBox } from '../../src/security/secret-box.ts'
import { onlyFormOf } from '../helpers/html-forms.ts'
import { nextTestRut, TEST_ENCRYPTION_KEYS } from '../helpers/gateway.ts'
import {
  freePort,
  startGatewayProcess,
  waitForOutput,
  type GatewayProcess,
} from '../helpers/gateway-process.ts'
import { createTestDatabase } from '../helpers/test-database.ts'

/** The origin in callback URLs; each instance is reached at its own port instead. */
export const CLUSTER_PUBLIC_BASE_URL = 'http://gateway.test'

export interface Instance {
  name: string
  origin: string
  process: GatewayProcess
  /** The JSON log lines written so far. */
  logLines(): Record<string, any>[]
}

export interface PreparedCallback {
  sessionId: string
  /** Path of /cb/{ticket}/ok, to post to any instance. */
  path: string
  body: string
}

interface Teardown {
  teardown(fn: () => unknown): void
}

export async function startCluster(t: Teardown, names: string[]) {
  const db = await createTestDatabase(t)
  const otec = await createOtec(db.prisma, createSecretBox(TEST_ENCRYPTION_KEYS), {
    rut: nextTestRut(),
    name: 'OTEC de prueba',
    environment: 'test',
    senceToken: '12345678-1234-1234-1234-123456789',
    returnOrigins: ['https://lms.example.cl'],
    webhookUrl: 'https://lms.example.cl/hooks/sence',
  })
  // createOtec leaves eventTypes NULL, which recordWebhookEvent does not
  // read as "every type"; empty it so that every transition has a delivery.
  await db.pool.query(`UPDATE "WebhookEndpoint" SET "eventTypes" = '{}'`)

  const instances = await Promise.all(names.map((name) => startInstance(t, db, name)))
  return { db, apiKey: otec.apiKey, instances }
}

async function startInstance(t: Teardown, db: Database, name: string): Promise<Instance> {
  const port = await freePort()
  const process = startGatewayProcess(['serve'], {
    DATABASE_URL: db.url,
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    PUBLIC_BASE_URL: CLUSTER_PUBLIC_BASE_URL,
    PORT: String(port),
    SENCE_SIMULATOR: 'on',
    SIMULATOR_AUTO_APPROVE: '1',
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_SECONDS: '20',
  })
  t.teardown(() => process.child.kill('SIGKILL'))
  await waitForOutput(process, (stdout) => stdout.includes('sence-gateway listening'))
  return {
    name,
    origin: `http://127.0.0.1:${port}`,
    process,
    logLines: () =>
      process
        .stdout()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line)),
  }
}

/** Creates a login intent at `instance` and follows it to SENCE's callback form, unsent. */
export async function prepareCallback(
  instance: Instance,
  apiKey: string,
  runAlumno: string,
): Promise<PreparedCallback> {
  const created = await fetch(`${instance.origin}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      runAlumno,
      codSence: '1234567890',
      codigoCurso: 'RLAB-19-02-08-0071-1',
      lineaCapacitacion: 3,
      returnUrl: 'https://lms.example.cl/sence/back',
    }),
  })
  if (created.status !== 201) throw new Error(`create answered ${created.status}`)
  const session = (await created.json()) as { id: string; startUrl: string }

  const launch = onlyFormOf(await (await fetch(onInstance(instance, session.startUrl))).text())
  const simulator = await fetch(onInstance(instance, launch.action), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(launch.fields).toString(),
  })
  const callback = onlyFormOf(await simulator.text())
  return {
    sessionId: session.id,
    path: new URL(callback.action).pathname,
    body: new URLSearchParams(callback.fields).toString(),
  }
}

/** Posts a prepared callback to an instance, without following the redirect. */
export function postCallback(instance: Instance, callback: PreparedCallback): Promise<Response> {
  return fetch(`${instance.origin}${callback.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: callback.body,
    redirect: 'manual',
  })
}

/** Returns the n-th valid test RUN: 10000000 + n with its check digit. */
export function testRun(n: number): string {
  const body = String(10_000_000 + n)
  return `${body}-${checkDigit(body)}`
}

/** Runs `work` over `items` with at most `limit` at once. */
export async function mapWithLimit<T, R>(
  items: T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next
      next += 1
      results[index] = await work(items[index] as T, index)
    }
  })
  await Promise.all(lanes)
  return results
}

function onInstance(instance: Instance, url: string): string {
  const parsed = new URL(url)
  return `${instance.origin}${parsed.pathname}${parsed.search}`
}
