import { parseArgs } from 'node:util'
import { loadSettings } from '../config/settings.ts'
import { buildApp } from '../http/app.ts'
import { startExpirySweeper } from '../sessions/expiry-sweeper.ts'
import { ensureDemoOtec, type DemoOtec } from './demo-otec.ts'
import { openRuntime, type Runtime } from './runtime.ts'
import { UsageError } from './usage-error.ts'

/** How long a SIGTERM waits for in-flight requests before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000

/**
 * Returns how often pending intents past PENDING_TTL_SECONDS are expired: every
 * 30 s, or twice per TTL when the TTL is shorter than a minute.
 */
function expirySweepIntervalMs(pendingTtlSeconds: number): number {
  return Math.min(30_000, pendingTtlSeconds * 500)
}

/** `sence-gateway serve`: the HTTP server until SIGTERM or SIGINT. */
export async function runServe(args: string[]): Promise<number> {
  const { values } = parseArgsOrThrow(args)
  const settings = loadSettings()
  const runtime = await openRuntime(settings, { migrate: values.migrate === true })
  const { logger } = runtime

  const demo = settings.embedded ? await ensureDemoOtec(runtime) : null
  const app = await buildApp({ ...runtime, demoOtecId: demo?.id })
  await app.listen({ host: settings.host, port: settings.port })
  logger.info(
    {
      host: settings.host,
      port: settings.port,
      publicBaseUrl: settings.publicBaseUrl,
      embedded: settings.embedded,
      simulator: settings.simulator,
    },
    'sence-gateway listening',
  )
  if (demo !== null) printDemoBanner(runtime, demo)
  // Every serve process sweeps; expireSessions skips sessions another process holds.
  const sweeper = startExpirySweeper({
    prisma: runtime.db.prisma,
    logger,
    intervalMs: expirySweepIntervalMs(settings.pendingTtlSeconds),
  })

  return new Promise<number>((resolve) => {
    let stopping = false
    const stop = async (signal: string) => {
      if (stopping) return
      stopping = true
      logger.info({ signal }, 'shutting down: no new requests, finishing the ones in flight')
      const deadline = setTimeout(() => {
        logger.error({ graceMs: SHUTDOWN_GRACE_MS }, 'shutdown took too long; exiting')
        resolve(1)
      }, SHUTDOWN_GRACE_MS)
      deadline.unref()
      try {
        await app.close()
        await sweeper.stop()
        await runtime.close()
        logger.info('stopped')
        resolve(0)
      } catch (error) {
        logger.error({ err: error }, 'shutdown failed')
        resolve(1)
      } finally {
        clearTimeout(deadline)
      }
    }
    process.once('SIGTERM', () => void stop('SIGTERM'))
    process.once('SIGINT', () => void stop('SIGINT'))
  })
}

function parseArgsOrThrow(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        migrate: { type: 'boolean' },
      },
      strict: true,
    })
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: sence-gateway serve [--migrate]`)
  }
}

function printDemoBanner(runtime: Runtime, demo: DemoOtec): void {
  const base = runtime.settings.publicBaseUrl
  const lines = [
    '',
    'sence-gateway is running on its embedded database, with the SENCE simulator.',
    `  data folder:   ${runtime.settings.dataDir}`,
    `  demo OTEC:     RUT 76543210-3, id ${demo.id}`,
    `  demo API key:  ${demo.apiKey}`,
    `  try it:        ${base}/demo`,
    '',
    'Create a login intent with curl:',
    `  curl -s -X POST ${base}/v1/sessions \\`,
    `    -H 'Authorization: Bearer ${demo.apiKey}' -H 'Content-Type: application/json' \\`,
    `    -d '{"runAlumno":"12345678-5","codSence":"-1","codigoCurso":"-1","lineaCapacitacion":3,"returnUrl":"${base}/demo/back"}'`,
    'then open its startUrl in a browser.',
    '',
  ]
  process.stderr.write(lines.join('\n') + '\n')
}
