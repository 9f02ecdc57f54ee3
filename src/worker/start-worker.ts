// The webhook worker: takes delivery jobs from the queue, sends each
// attempt, and sweeps the delivery table for deliveries whose job was lost.
// It runs inside `sence-gateway serve` or alone as `sence-gateway worker`;
// any number of workers may share one database.

import { z } from 'zod'
import type { Settings } from '../config/settings.ts'
import type { Logger } from '../logging/logger.ts'
import type { Database } from '../persistence/database.ts'
import type { SecretBox } from '../security/secret-box.ts'
import { observeWebhookAttempt } from '../observability/metrics.ts'
import { registerBackgroundTask } from '../observability/background-tasks.ts'
import { processDeliveries, type AttemptReport, type DeliveryContext } from '../webhooks/deliver.ts'
import {
  DELIVERY_QUEUE_NAME,
  startDeliveryQueue,
  type DeliveryQueue,
  type DeliveryQueueOptions,
} from '../webhooks/delivery-queue.ts'
import { MAX_RETRY_AFTER_SECONDS } from '../webhooks/retry-schedule.ts'
import { createWebhookSender } from '../webhooks/send-attempt.ts'
import { sweepOverdueDeliveries } from '../webhooks/sweep.ts'

/**
 * Time a claim holds a delivery beyond the attempt's timeout, for signing
 * before it and recording after it. Another worker may retake the delivery
 * only after timeout + margin, when the first attempt has surely ended.
 */
const LEASE_MARGIN_MS = 10_000

const deliveryJobSchema = z.object({ deliveryId: z.uuid() })

/**
 * Attempts sent at the same time by one process, by default. At 100 a
 * worker on two cores sends several hundred webhooks per second to a fast
 * receiver (`npm run bench`, measure f), while a receiver that times out
 * holds at most 100 of the process's sockets.
 */
const DEFAULT_CONCURRENCY = 100

/**
 * Jobs taken from the queue in one fetch and attempted together. The fetch,
 * the claim, the record and pg-boss's completion cost one statement each
 * per batch, so 25 deliveries share what one used to pay alone. A batch
 * ends when its slowest attempt does, so the concurrency is split over
 * several fetchers: a slow receiver holds up one batch, not the others.
 */
const MAX_BATCH_SIZE = 25

/** How long a worker's claim holds a delivery, in milliseconds. */
export function deliveryLeaseMs(settings: Settings): number {
  return settings.webhookTimeoutMs + LEASE_MARGIN_MS
}

/**
 * The delivery queue's options for these settings. `supervise` runs
 * pg-boss's maintenance, which at least one process must do: workers do.
 */
export function deliveryQueueOptions(settings: Settings, supervise: boolean): DeliveryQueueOptions {
  return {
    supervise,
    leaseSeconds: Math.ceil(deliveryLeaseMs(settings) / 1000),
    longestWaitSeconds: Math.max(...settings.webhookRetryDelaysSeconds, MAX_RETRY_AFTER_SECONDS),
  }
}

export interface WorkerRuntime {
  settings: Settings
  logger: Logger
  secrets: SecretBox
  db: Database
}

export interface WorkerOptions {
  /** The queue of the process's HTTP server, to share; by default the worker starts its own. */
  queue?: DeliveryQueue | undefined
  /** Attempts sent at the same time by this process (DEFAULT_CONCURRENCY by default). */
  concurrency?: number
  /** How often the sweep looks for deliveries whose job was lost, in milliseconds. */
  sweepIntervalMs?: number
  /** How often an idle worker asks the queue for a job, in seconds (pg-boss's minimum is 0.5). */
  pollingIntervalSeconds?: number
  /** Called with every recorded attempt: the hook for metrics. */
  onAttempt?: (report: AttemptReport) => void
}

export interface Worker {
  /** Stops taking jobs, lets the attempts in flight finish and record, then stops the queue. */
  stop(): Promise<void>
}

export async function startWorker(
  runtime: WorkerRuntime,
  options: WorkerOptions = {},
): Promise<Worker> {
  const { settings, logger: rootLogger, db } = runtime
  const logger = rootLogger.child({ component: 'webhook-worker' })
  const leaseMs = deliveryLeaseMs(settings)
  const queue =
    options.queue ?? (await startDeliveryQueue(db, logger, deliveryQueueOptions(settings, true)))
  const sender = createWebhookSender({
    timeoutMs: settings.webhookTimeoutMs,
    allowPrivateTargets: settings.webhookAllowPrivateTargets,
    userAgent: 'sence-gateway-webhooks/1',
  })
  const context: DeliveryContext = {
    prisma: db.prisma,
    secrets: runtime.secrets,
    sender,
    queue,
    logger,
    retryDelaysSeconds: settings.webhookRetryDelaysSeconds,
    leaseMs,
    onAttempt: (report) => {
      observeWebhookAttempt(report.failureKind ?? 'success')
      options.onAttempt?.(report)
    },
  }

  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY
  const batchSize = Math.min(concurrency, MAX_BATCH_SIZE)
  const workId = await queue.boss.work(
    DELIVERY_QUEUE_NAME,
    {
      localConcurrency: Math.ceil(concurrency / batchSize),
      pollingIntervalSeconds: options.pollingIntervalSeconds ?? 1,
      batchSize,
      // A full batch means more jobs are waiting: fetch again at once
      // instead of after the polling interval.
      burstWhenBatchFull: true,
    },
    async (jobs) => {
      const deliveryIds: string[] = []
      for (const job of jobs) {
        const parsed = deliveryJobSchema.safeParse(job.data)
        if (parsed.success) deliveryIds.push(parsed.data.deliveryId)
        else
          logger.error({ jobId: job.id, data: job.data }, 'malformed webhook delivery job; dropped')
      }
      // This throws only when the database fails. pg-boss then retries
      // every job of the batch, and the leases keep the attempts already
      // sent from being sent again before they expire.
      if (deliveryIds.length > 0) await processDeliveries(context, deliveryIds)
    },
  )

  // /readyz reports the worker stale when no sweep has finished for three intervals.
  const sweepIntervalMs = options.sweepIntervalMs ?? 30_000
  const status = registerBackgroundTask('webhook-worker', { staleAfterMs: 3 * sweepIntervalMs })
  const sweeper = startSweeper(context, sweepIntervalMs, () => status.running())
  logger.info(
    { concurrency, batchSize, timeoutMs: settings.webhookTimeoutMs, leaseMs },
    'webhook worker started',
  )

  let stopping: Promise<void> | null = null
  return {
    stop: () =>
      (stopping ??= (async () => {
        status.stopping()
        await sweeper.stop()
        await queue.boss.offWork(DELIVERY_QUEUE_NAME, { id: workId, wait: true })
        if (options.queue === undefined) await queue.stop()
        await sender.close()
        status.stopped()
        logger.info('webhook worker stopped')
      })()),
  }
}

/** Runs the sweep now and then every intervalMs, one run at a time. */
function startSweeper(context: DeliveryContext, intervalMs: number, onSweep: () => void) {
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  let running: Promise<void> = Promise.resolve()

  const run = async () => {
    try {
      const enqueued = await sweepOverdueDeliveries(context.prisma, context.queue, {
        graceSeconds: 5,
        batchSize: 500,
      })
      if (enqueued > 0)
        context.logger.info({ enqueued }, 'sweep enqueued overdue webhook deliveries')
      onSweep()
    } catch (error) {
      context.logger.error(
        { err: error },
        'webhook delivery sweep failed; retrying at the next interval',
      )
    }
    if (!stopped) timer = setTimeout(() => (running = run()), intervalMs)
  }
  running = run()

  return {
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
