// What the `otec` subcommands share: a runtime whose log lines go to stderr
// (stdout carries --json output), and finding an OTEC by id or RUT.

import { loadSettings } from '../config/settings.ts'
import { createLogger } from '../logging/logger.ts'
import type { PrismaClient } from '../persistence/database.ts'
import type { Otec } from '../persistence/generated/client.ts'
import { normalizeRun } from '../protocol/run.ts'
import { isUuid } from '../sessions/session-id.ts'
import { openRuntime, type Runtime } from './runtime.ts'

/** Opens the runtime, runs the work and closes the runtime, whatever the work did. */
export async function withQuietRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
  const settings = loadSettings()
  const logger = createLogger(
    settings.logLevel === 'info' ? 'warn' : settings.logLevel,
    process.stderr,
  )
  const runtime = await openRuntime(settings, { migrate: false }, logger)
  try {
    return await work(runtime)
  } finally {
    await runtime.close()
  }
}

/** Raised when a command names an OTEC that does not exist; the CLI exits 1. */
export class OtecNotFoundError extends Error {
  constructor(reference: string) {
    super(`no OTEC has the id or RUT "${reference}"; see \`sence-gateway otec list\``)
    this.name = 'OtecNotFoundError'
  }
}

/** Finds an OTEC by its id, or by its RUT in any usual spelling. */
export async function findOtec(prisma: PrismaClient, reference: string): Promise<Otec> {
  const otec = isUuid(reference)
    ? await prisma.otec.findUnique({ where: { id: reference } })
    : await prisma.otec.findUnique({ where: { rut: normalizeRun(reference.trim()) } })
  if (otec === null) throw new OtecNotFoundError(reference)
  return otec
}
