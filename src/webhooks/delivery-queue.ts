// The durable queue that wakes workers for webhook deliveries: pg-boss 12 in
// the gateway's own PostgreSQL (schema `pgboss`). A job carries only a
// delivery id; the WebhookDelivery row stays the source of truth, so a lost
// or duplicated job costs at most a delay, never a notification.
//
// pg-boss runs its SQL through the gateway's pg pool. In the embedded mode
// that pool has one connection, so a send inside a Prisma transaction goes
// through that transaction's client (fromPrisma), never through the pool,
// which the transaction holds.

import { fromPrisma, PgBoss, type Db } from 'pg-boss'
import type { Logger } from '../logging/logger.ts'
import type { Database, Transaction } from '../persistence/database.ts'

export const DELIVERY_QUEUE_NAME = 'webhook-delivery'

/** The payload of a delivery job. */
export interface DeliveryJob {
  deliveryId: string
}

/**
 * A delivery as the queue needs it. The endpoint is the job's pg-boss group,
 * which lets workers cap the attempts in flight to one endpoint.
 */
export interface QueuedDelivery {
  id: string
  endpointId: string
}

export interface DeliveryQueue {
  readonly boss: PgBoss
  /**
   * Enqueues a job for a delivery, due at `startAfter`. Inside `tx` the job
   * commits or rolls back with the transaction. When a job of the delivery
   * is already waiting, none is added.
   */
  enqueue(tx: Transaction | null, delivery: QueuedDelivery, startAfter: Date): Promise<void>
  /**
   * Makes sure a job of the delivery waits for `startAfter`: moves the
   * waiting job there, or adds one. Used when the schedule changes and by
   * the sweep.
   */
  reschedule(tx: Transaction | null, delivery: QueuedDelivery, startAfter: Date): Promise<void>
  stop(): Promise<void>
}

export interface DeliveryQueueOptions {
  /** Run pg-boss's maintenance (expiring stuck jobs, deleting old ones): on in workers. */
  supervise: boolean
  /** How long an attempt may hold a delivery, in seconds; stuck jobs expire after it. */
  leaseSeconds: number
  /** The longest wait between two attempts, in seconds; waiting jobs are kept longer. */
  longestWaitSeconds: number
}

/** Completed and failed jobs are deleted after a day: the delivery log keeps the history. */
const COMPLETED_JOB_RETENTION_SECONDS = 24 * 3600

/**
 * Starts pg-boss on the gateway's database (installing or migrating its
 * schema on first use) and creates the delivery queue with settings fit for
 * webhooks, instead of pg-boss's defaults (two retries, no backoff).
 */
export async function startDeliveryQueue(
  db: Database,
  logger: Logger,
  options: DeliveryQueueOptions,
): Promise<DeliveryQueue> {
  const boss = new PgBoss({
    db: poolAdapter(db),
    supervise: options.supervise,
    schedule: false,
    migrate: true,
  })
  boss.on('error', (error) => logger.error({ err: error }, 'webhook queue error'))
  await boss.start()

  const queueOptions = {
    // A job that was active longer than an attempt's lease belongs to a
    // dead worker; pg-boss then retries it, and the lease decides whether
    // anything is sent.
    expireInSeconds: options.leaseSeconds + 30,
    // The handler throws only when the database fails while recording an
    // attempt; the sweep enqueues the delivery again if these run out.
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
    retryDelayMax: 300,
    // A job may wait the longest retry delay before it runs: keep it longer.
    retentionSeconds: options.longestWaitSeconds + 7 * 24 * 3600,
    deleteAfterSeconds: COMPLETED_JOB_RETENTION_SECONDS,
  }
  const existing = await boss.getQueue(DELIVERY_QUEUE_NAME)
  if (existing === null) {
    // `short`: at most one waiting job per singletonKey (the delivery id),
    // any number active. A retry can wait while its attempt's job is
    // active, and the sweep cannot pile up duplicates.
    await boss.createQueue(DELIVERY_QUEUE_NAME, { policy: 'short', ...queueOptions })
  } else {
    await boss.updateQueue(DELIVERY_QUEUE_NAME, queueOptions)
  }

  const connection = (tx: Transaction | null) => (tx === null ? {} : { db: fromPrisma(tx) })

  return {
    boss,
    async enqueue(tx, delivery, startAfter) {
      const job: DeliveryJob = { deliveryId: delivery.id }
      await boss.send(DELIVERY_QUEUE_NAME, job, {
        singletonKey: delivery.id,
        group: { id: delivery.endpointId },
        startAfter,
        ...connection(tx),
      })
    },
    async reschedule(tx, delivery, startAfter) {
      const job: DeliveryJob = { deliveryId: delivery.id }
      await boss.upsert(DELIVERY_QUEUE_NAME, job, {
        singletonKey: delivery.id,
        group: { id: delivery.endpointId },
        startAfter,
        ...connection(tx),
      })
    },
    async stop() {
      await boss.stop({ graceful: true, close: false, timeout: 30_000 })
    },
  }
}

/**
 * pg-boss's database interface over the gateway's pg pool. One pool per
 * process keeps the embedded PGlite at its single connection; pg-boss
 * then polls instead of using LISTEN/NOTIFY, which needs a connection of
 * its own.
 */
function poolAdapter(db: Database): Db {
  return {
    executeSql: async (text, values) => {
      const result = await db.pool.query(text, values as unknown[] | undefined)
      return result as unknown as { rows: unknown[] }
    },
  }
}

let processQueue: DeliveryQueue | null = null

/**
 * Makes `queue` the one that recordWebhookEvent enqueues through in this
 * process. The use cases that record events take a transaction only, so
 * the HTTP server and the CLI register their queue here at start-up.
 * Returns a function that unregisters it.
 */
export function useDeliveryQueue(queue: DeliveryQueue): () => void {
  if (processQueue !== null && processQueue !== queue)
    throw new Error('a webhook delivery queue is already registered in this process')
  processQueue = queue
  return () => {
    if (processQueue === queue) processQueue = null
  }
}

/**
 * Returns the queue registered with useDeliveryQueue, or null. Without one,
 * deliveries are still recorded, and the worker's sweep enqueues them.
 */
export function registeredDeliveryQueue(): DeliveryQueue | null {
  return processQueue
}
