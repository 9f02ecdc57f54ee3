// Gauges of the webhook queue, read from the WebhookDelivery table at each
// scrape: the table is the queue's source of truth, whatever job library
// runs the deliveries, and every process reports the same numbers.

import client from 'prom-client'
import type { PrismaClient } from '../persistence/database.ts'
import { metricsRegistry } from './metrics.ts'

const queueDepth = new client.Gauge({
  name: 'sence_gateway_webhook_queue_depth',
  help: 'Webhook deliveries not yet delivered nor given up (status pending).',
  registers: [metricsRegistry],
})

const queueDue = new client.Gauge({
  name: 'sence_gateway_webhook_queue_due',
  help: 'Pending webhook deliveries whose next attempt time has passed.',
  registers: [metricsRegistry],
})

const oldestPendingAge = new client.Gauge({
  name: 'sence_gateway_webhook_queue_oldest_pending_age_seconds',
  help: 'Age of the oldest pending webhook delivery, including its waits between retries; 0 when none is pending.',
  registers: [metricsRegistry],
})

const oldestDueLag = new client.Gauge({
  name: 'sence_gateway_webhook_queue_oldest_due_lag_seconds',
  help: 'How long past its next attempt time the most overdue pending delivery is; grows when no worker runs.',
  registers: [metricsRegistry],
})

interface QueueRow {
  depth: number
  due: number
  oldest_age: number | null
  oldest_lag: number | null
}

/** Reads the queue's numbers from the database into the gauges; one indexed query. */
export async function refreshWebhookQueueGauges(prisma: PrismaClient): Promise<void> {
  const [row] = await prisma.$queryRaw<QueueRow[]>`
    SELECT count(*)::int AS depth,
           count(*) FILTER (WHERE "nextAttemptAt" <= now())::int AS due,
           extract(epoch FROM now() - min("createdAt"))::float8 AS oldest_age,
           extract(epoch FROM now() - min("nextAttemptAt") FILTER (WHERE "nextAttemptAt" <= now()))::float8 AS oldest_lag
      FROM "WebhookDelivery"
     WHERE status = 'pending'`
  queueDepth.set(row?.depth ?? 0)
  queueDue.set(row?.due ?? 0)
  oldestPendingAge.set(Math.max(0, row?.oldest_age ?? 0))
  oldestDueLag.set(Math.max(0, row?.oldest_lag ?? 0))
}
