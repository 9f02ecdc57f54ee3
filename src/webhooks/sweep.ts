import type { PrismaClient } from '../persistence/database.ts'
import type { DeliveryQueue } from './delivery-queue.ts'

export interface SweepOptions {
  /** A delivery counts as stuck once it is this many seconds overdue with no worker on it. */
  graceSeconds: number
  /** At most this many deliveries are enqueued per sweep; the next sweep takes the rest. */
  batchSize: number
}

/**
 * Enqueues a job for every pending delivery that is overdue and not leased:
 * its job was lost (a purged queue, a worker killed mid-attempt whose lease
 * has expired, a process that recorded the event without a queue). The
 * delivery table is the source of truth, so this restores whatever the
 * queue lost. A delivery whose job is merely waiting for a busy worker gets
 * that job moved to now, not a second one. Returns how many it enqueued.
 */
export async function sweepOverdueDeliveries(
  prisma: PrismaClient,
  queue: DeliveryQueue,
  options: SweepOptions,
): Promise<number> {
  const overdue = await prisma.$queryRaw<{ id: string; endpointId: string }[]>`
    SELECT "id", "endpointId" FROM "WebhookDelivery"
     WHERE "status" = 'pending'
       AND ("nextAttemptAt" IS NULL
            OR "nextAttemptAt" <= now() - ${options.graceSeconds} * interval '1 second')
       AND ("leaseExpiresAt" IS NULL OR "leaseExpiresAt" <= now())
     ORDER BY "nextAttemptAt"
     LIMIT ${options.batchSize}`
  const now = new Date()
  for (const delivery of overdue) await queue.reschedule(null, delivery, now)
  return overdue.length
}
