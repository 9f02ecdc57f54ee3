// What /readyz checks: the database responds, every migration of
// prisma/migrations is applied, and every background task of this process
// runs (see background-tasks.ts). Each database check has a timeout, so that
// a hung connection pool turns into "not ready" instead of a hung probe.

import type { PrismaClient } from '../persistence/database.ts'
import { readMigrationList } from '../persistence/schema-engine.ts'
import { reportBackgroundTasks, type BackgroundTaskReport } from './background-tasks.ts'

/** Time each database check may take before it counts as failed. */
export const READINESS_CHECK_TIMEOUT_MS = 2_000

export interface CheckResult {
  ok: boolean
  /** Shown in /readyz, which anyone who reaches the port can read: no database messages. */
  detail?: string
  /** The error behind a failed check, for the log only. */
  error?: unknown
}

export interface ReadinessReport {
  ready: boolean
  checks: {
    database: CheckResult
    migrations: CheckResult
    backgroundTasks: BackgroundTaskReport[]
  }
}

let knownMigrations: Promise<string[]> | undefined

/** Returns the migration folders shipped with this build, read once per process. */
function shippedMigrations(): Promise<string[]> {
  knownMigrations ??= readMigrationList().then((list) =>
    list.migrationDirectories.map((directory) => directory.path),
  )
  return knownMigrations
}

export async function checkReadiness(prisma: PrismaClient): Promise<ReadinessReport> {
  const database = await withTimeout(async () => {
    await prisma.$queryRaw`SELECT 1`
    return { ok: true }
  })
  const migrations = database.ok
    ? await withTimeout(() => checkMigrations(prisma))
    : { ok: false, detail: 'not checked: the database does not answer' }
  const backgroundTasks = reportBackgroundTasks()

  return {
    ready: database.ok && migrations.ok && backgroundTasks.every((task) => task.ok),
    checks: { database, migrations, backgroundTasks },
  }
}

async function checkMigrations(prisma: PrismaClient): Promise<CheckResult> {
  const rows = await prisma.$queryRaw<{ migration_name: string; finished: boolean }[]>`
    SELECT migration_name, finished_at IS NOT NULL AS finished
      FROM _prisma_migrations
     WHERE rolled_back_at IS NULL`
  const failed = rows.filter((row) => !row.finished).map((row) => row.migration_name)
  if (failed.length > 0)
    return { ok: false, detail: `migration started but not finished: ${failed.join(', ')}` }

  const applied = new Set(rows.map((row) => row.migration_name))
  const missing = (await shippedMigrations()).filter((name) => !applied.has(name))
  if (missing.length > 0)
    return {
      ok: false,
      detail: `not applied: ${missing.join(', ')}; run \`sence-gateway migrate\``,
    }
  return { ok: true }
}

async function withTimeout(check: () => Promise<CheckResult>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, detail: `timed out after ${READINESS_CHECK_TIMEOUT_MS} ms` }),
      READINESS_CHECK_TIMEOUT_MS,
    )
  })
  try {
    return await Promise.race([
      check().catch((error: unknown) => ({
        ok: false,
        detail: 'query failed; the gateway logs the error',
        error,
      })),
      timeout,
    ])
  } finally {
    clearTimeout(timer)
  }
}
