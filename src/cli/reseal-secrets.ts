import { loadSettings } from '../config/settings.ts'
import { createLogger } from '../logging/logger.ts'
import { resealSecrets } from '../security/reseal-secrets.ts'
import { openRuntime } from './runtime.ts'
import { UsageError } from './usage-error.ts'

const USAGE = 'usage: sence-gateway reseal-secrets [--dry-run]'

/**
 * `sence-gateway reseal-secrets`: re-seals every stored secret with the
 * first key of ENCRYPTION_KEYS. Exits 1 when some value could not be
 * opened, since dropping an old key would then lose it.
 */
export async function runResealSecrets(args: string[]): Promise<number> {
  const dryRun = args.includes('--dry-run')
  if (args.some((arg) => arg !== '--dry-run')) throw new UsageError(USAGE)

  const settings = loadSettings()
  const logger = createLogger(settings.logLevel, process.stderr)
  const runtime = await openRuntime(settings, { migrate: false }, logger)
  try {
    const results = await resealSecrets(runtime.db.prisma, runtime.secrets, { dryRun })
    const verb = dryRun ? 'would re-seal' : 're-sealed'
    for (const result of results) {
      console.log(
        `${result.table}.${result.column}: ${verb} ${result.resealed} value(s) with key "${runtime.secrets.currentKeyId}"`,
      )
      if (result.failedIds.length > 0)
        console.error(
          `  could not open ${result.failedIds.length} value(s), rows ${result.failedIds.join(', ')}: their key is missing from ENCRYPTION_KEYS or the value is damaged`,
        )
    }
    return results.some((result) => result.failedIds.length > 0) ? 1 : 0
  } finally {
    await runtime.close()
  }
}
