import { parseArgs } from 'node:util'
import { loadSettings } from '../config/settings.ts'
import { createLogger } from '../logging/logger.ts'
import { resealSecrets } from '../security/reseal-secrets.ts'
import { openRuntime } from './runtime.ts'
import { UsageError } from './usage-error.ts'

const USAGE = `usage: sence-gateway reseal [--dry-run]

Seals every stored SENCE Token and webhook secret with the first key of
ENCRYPTION_KEYS, so that the keys after it can be removed afterwards.
--dry-run only counts the values sealed with each key.`

/** `sence-gateway reseal`: the last step of a key rotation (docs/operations.md). */
export async function runReseal(args: string[]): Promise<number> {
  let dryRun: boolean
  try {
    const { values } = parseArgs({
      args,
      options: { 'dry-run': { type: 'boolean' } },
      strict: true,
    })
    dryRun = values['dry-run'] === true
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`)
  }

  const settings = loadSettings()
  const logger = createLogger(settings.logLevel === 'info' ? 'warn' : settings.logLevel)
  const runtime = await openRuntime(settings, { migrate: false }, logger)
  try {
    const report = await resealSecrets(runtime.db.prisma, runtime.secrets, { dryRun })
    const counts = Object.entries(report.byKeyId)
      .map(([keyId, count]) => `${keyId}: ${count}`)
      .join(', ')
    console.log(`sealed values by key: ${counts === '' ? 'none' : counts}`)
    console.log(
      dryRun
        ? `dry run: nothing changed; ${runtime.secrets.currentKeyId} is the current key`
        : `re-sealed ${report.resealed} value(s) with key ${runtime.secrets.currentKeyId}`,
    )
    return 0
  } finally {
    await runtime.close()
  }
}
