import { parseArgs } from 'node:util'
import { loadSettings } from '../config/settings.ts'
import { buildApp } from '../http/app.ts'
import { ensureDemoOtec, type DemoOtec } from './demo-otec.ts'
import { ensureDemoStaff, type DemoStaff } from './demo-staff.ts'
import { stopOnSignal } from './graceful-shutdown.ts'
import { openRuntime, type Runtime } from './runtime.ts'
import { UsageError } from './usage-error.ts'
import { startWebhookDelivery } from './worker.ts'

/** `sence-gateway serve`: the HTTP server and the webhook worker until SIGTERM or SIGINT. */
export async function runServe(args: string[]): Promise<number> {
  const { values } = parseArgsOrThrow(args)
  const settings = loadSettings()
  const runtime = await openRuntime(settings, { migrate: values.migrate === true })
  const { logger } = runtime

  const demo = settings.embedded ? await ensureDemoOtec(runtime) : null
  const demoStaff = demo === null ? null : await ensureDemoStaff(runtime, demo.id)
  const webhooks = await startWebhookDelivery(runtime, { worker: values['no-worker'] !== true })
  const app = await buildApp({ ...runtime, demoOtecId: demo?.id })
  try {
    await app.listen({ host: settings.host, port: settings.port })
  } catch (error) {
    // A taken port or an unknown HOST: stop the worker and the pool, so that
    // the process exits and its supervisor sees the failure.
    logger.error({ err: error, host: settings.host, port: settings.port }, 'could not listen')
    await app.close()
    await webhooks.stop()
    await runtime.close()
    throw error
  }
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
  if (demo !== null && demoStaff !== null) printDemoBanner(runtime, demo, demoStaff)

  // Fastify's close() stops accepting connections, responds 503 to new
  // requests on open connections, and waits for the requests in flight.
  // The webhook worker stops next (it finishes or releases its attempts),
  // and the database closes last.
  return stopOnSignal({
    logger,
    timeoutMs: settings.shutdownTimeoutSeconds * 1000,
    steps: [
      { name: 'http server', stop: () => app.close() },
      { name: 'webhook worker', stop: () => webhooks.stop() },
      { name: 'database', stop: () => runtime.close() },
    ],
  })
}

function parseArgsOrThrow(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        migrate: { type: 'boolean' },
        'no-worker': { type: 'boolean' },
      },
      strict: true,
    })
  } catch (error) {
    throw new UsageError(
      `${(error as Error).message}\nusage: sence-gateway serve [--migrate] [--no-worker]`,
    )
  }
}

function printDemoBanner(runtime: Runtime, demo: DemoOtec, staff: DemoStaff): void {
  const base = runtime.settings.publicBaseUrl
  const lines = [
    '',
    'sence-gateway is running on its embedded database, with the SENCE simulator.',
    `  data folder:   ${runtime.settings.dataDir}`,
    `  demo OTEC:     RUT 76543210-3, id ${demo.id}`,
    `  demo API key:  ${demo.apiKey}`,
    `  try it:        ${base}/demo`,
    `  dashboard:     ${base}/admin   (${staff.email}, password ${staff.password})`,
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
