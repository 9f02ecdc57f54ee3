// Builds the gateway for a test: a fresh database, the app on fastify's
// inject (no port), the simulator on, and an OTEC with its API key.

import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { loadSettings, type Settings } from '../../src/config/settings.ts'
import { buildApp } from '../../src/http/app.ts'
import type { GatewayServices } from '../../src/http/services.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { createOtec, type CreateOtecInput } from '../../src/otecs/create-otec.ts'
import type { Database } from '../../src/persistence/database.ts'
import { checkDigit } from '../../src/protocol/run.ts'
import { createSecretBox, type SecretBox } from '../../src/security/secret-box.ts'
import { findHistoryProblems } from './session-history.ts'
import { createTestDatabase } from './test-database.ts'

/** A fixed key for tests only. */
export const TEST_ENCRYPTION_KEYS = 'test:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='

export const PUBLIC_BASE_URL = 'http://gateway.test'

export interface TestGateway {
  app: FastifyInstance
  services: GatewayServices
  db: Database
  settings: Settings
  secrets: SecretBox
  /** Every log line the gateway wrote, parsed. */
  logLines: Record<string, unknown>[]
  /** The raw log output, for searching secrets. */
  logText(): string
  otec: { id: string; apiKey: string; webhookSecret: string | null }
  createOtec(
    input?: Partial<CreateOtecInput>,
  ): Promise<{ id: string; apiKey: string; webhookSecret: string | null }>
}

interface TestContext {
  teardown(fn: () => unknown): void
}

let otecCounter = 0

/** Returns a valid RUT for the n-th test OTEC of this process: 76000000 + n with its check digit. */
export function nextTestRut(): string {
  otecCounter += 1
  const body = String(76_000_000 + otecCounter)
  return `${body}-${checkDigit(body)}`
}

export async function startTestGateway(
  t: TestContext,
  options: { environment?: Record<string, string>; otec?: Partial<CreateOtecInput> } = {},
): Promise<TestGateway> {
  const db = await createTestDatabase(t)
  const settings = loadSettings({
    DATABASE_URL: db.url,
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    PUBLIC_BASE_URL,
    SENCE_SIMULATOR: 'on',
    LOG_LEVEL: 'info',
    ...options.environment,
  })

  const chunks: string[] = []
  const logLines: Record<string, unknown>[] = []
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      const text = chunk.toString()
      chunks.push(text)
      for (const line of text.split('\n')) if (line.trim() !== '') logLines.push(JSON.parse(line))
      callback()
    },
  })
  const logger = createLogger(settings.logLevel, sink)
  const secrets = createSecretBox(TEST_ENCRYPTION_KEYS)
  const services: GatewayServices = { settings, db, secrets, logger }
  const app = await buildApp(services)
  t.teardown(() => app.close())
  // Teardowns run last-registered first, so this runs before the database is dropped.
  t.teardown(async () => {
    const problems = await findHistoryProblems(db.prisma)
    if (problems.length > 0)
      throw new Error(`session histories do not explain their status:\n${problems.join('\n')}`)
  })

  const makeOtec = async (input: Partial<CreateOtecInput> = {}) => {
    const created = await createOtec(db.prisma, secrets, {
      rut: nextTestRut(),
      name: 'OTEC de prueba',
      environment: 'test',
      senceToken: '12345678-1234-1234-1234-123456789',
      returnOrigins: ['https://lms.example.cl'],
      ...input,
    })
    return { id: created.otec.id, apiKey: created.apiKey, webhookSecret: created.webhookSecret }
  }
  const otec = await makeOtec(options.otec)

  return {
    app,
    services,
    db,
    settings,
    secrets,
    logLines,
    logText: () => chunks.join(''),
    otec,
    createOtec: makeOtec,
  }
}
