import type { FastifyInstance } from 'fastify'
import { renderMetrics } from '../../observability/metrics.ts'
import { refreshWebhookQueueGauges } from '../../observability/queue-metrics.ts'
import { checkReadiness, type ReadinessReport } from '../../observability/readiness.ts'
import type { GatewayServices } from '../services.ts'

/**
 * Probes and metrics for the operator, outside the OpenAPI document:
 * - GET /healthz: the process is up and serving HTTP; it does not touch the database.
 * - GET /readyz: 200 when the database responds, the migrations are applied and
 *   the background tasks run, else 503 with the failed checks. During a
 *   graceful shutdown fastify answers 503 to every new request, this one too.
 * - GET /metrics: Prometheus text format.
 */
export async function healthRoutes(app: FastifyInstance, services: GatewayServices): Promise<void> {
  const { prisma } = services.db
  const hidden = { schema: { hide: true } }

  app.get('/healthz', hidden, async () => ({ status: 'ok' }))

  // Logged when readiness changes, not at every probe.
  let lastReady: boolean | undefined
  app.get('/readyz', hidden, async (request, reply) => {
    const report = await checkReadiness(prisma)
    if (report.ready !== lastReady) {
      lastReady = report.ready
      logReadinessChange(request.log, report)
    }
    const { database, migrations, backgroundTasks } = report.checks
    return reply.code(report.ready ? 200 : 503).send({
      status: report.ready ? 'ready' : 'not_ready',
      checks: {
        database: { ok: database.ok, detail: database.detail },
        migrations: { ok: migrations.ok, detail: migrations.detail },
        backgroundTasks,
      },
    })
  })

  app.get('/metrics', hidden, async (request, reply) => {
    try {
      await refreshWebhookQueueGauges(prisma)
    } catch (error) {
      // The process metrics are still worth serving; the queue gauges keep their last values.
      request.log.warn({ err: error }, 'could not read the webhook queue for /metrics')
    }
    const metrics = await renderMetrics()
    return reply.header('content-type', metrics.contentType).send(metrics.body)
  })
}

function logReadinessChange(log: FastifyInstance['log'], report: ReadinessReport): void {
  const { database, migrations, backgroundTasks } = report.checks
  const fields = {
    database: database.ok,
    databaseError: messageOf(database.error),
    migrations: migrations.detail ?? (migrations.ok ? 'applied' : undefined),
    migrationsError: messageOf(migrations.error),
    backgroundTasks,
  }
  if (report.ready) log.info(fields, 'gateway ready')
  else log.warn(fields, 'gateway not ready')
}

/** Returns an error's message on one line: Prisma's span several, with blank lines. */
function messageOf(error: unknown): string | undefined {
  if (error === undefined) return undefined
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/\s+/g, ' ').trim()
}
