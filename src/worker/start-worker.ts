// The webhook worker: takes delivery jobs from the queue, sends each
// attempt (src/worker/delivery-dispatcher.ts), and sweeps the delivery
// table for deliveries whose job was lost. It runs inside `sence-gateway
// serve` or alone as `sence-gateway worker`; any number of workers may
// share one database.

import type { Settings } from '../config/settings.ts'
import type { Logger } from '../logging/logger.ts'
import type { Database } from '../persistence/database.ts'
import type { SecretBox } from '../security/secret-box.ts'
import { observeWebhookAttempt } from '../observability/metrics.ts'
import { registerBackgroundTask } from '../observability/background-tasks.ts'
import type { AttemptReport, DeliveryContext } from '../webhooks/deliver.ts'
import {
  startDeliveryQueue,
  type DeliveryQueue,
  type DeliveryQueueOptions,
} from '../webhooks/delivery-queue.ts'
import { MAX_RETRY_AFTER_SECONDS } from '../webhooks/retry-schedule.ts'
import { createWebhookSender } from '../webhooks/send-attempt.ts'
import { sweepOverdueDeliveries } from '../webhooks/sweep.ts'
import { startDeliveryDispatcher } from './delivery-dispatcher.ts'

/**
 * Time a claim holds a delivery beyond the attempt's timeout, for signing
 * before it and recording after it. Another worker may retake the delivery
 * only after timeout + margin, when the first attempt has surely ended.
 */
const LEASE_MARGIN_MS = 10_000

/**
 * Deliveries one process holds at once, by default: its attempt slots. At
 * 100 a worker sent 1000 to 1500 webhooks per second to one fast receiver
 * (`npm run bench -- --only=f` on a shared two-core Xeon), while receivers
 * that time out hold at most 100 of the process's sockets.
 */
const DEFAULT_CONCURRENCY = 100

/**
 * An attempt that runs this long makes its endpoint slow, in milliseconds.
 * Receivers are asked to answer at once and do their work later.
 * NOTE: this and SLOW_ENDPOINT_SHARE are judgement values, tested only
 * against loopback receivers, not against real LMS receivers.
 */
const SLOW_ATTEMPT_MS = 1000

/**
 * The share of a worker's slots that one slow endpoint may hold: a tenth,
 * so that it takes ten hanging receivers to fill a worker.
 */
const SLOW_ENDPOINT_SHARE = 0.1

/**
 * Jobs taken from the queue in one fetch, at most. The fetch and the claim
 * cost one statement each per fetch, so under load up to 25 deliveries
 * share them.
 */
const MAX_FETCH_SIZE = 25

/** Finished attempts stored by one record statement, at most. */
const MAX_RECORD_SIZE = 50

/**
 * How long a stopping worker lets its attempts in flight run before it
 * cuts them short and releases their deliveries, in milliseconds. It is a
 * fifth of SHUTDOWN_TIMEOUT_SECONDS' default, which the HTTP server's drain
 * shares.
 */
const STOP_GRACE_MS = 5000

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
  /** Deliveries this process holds at once, from fetch to record (DEFAULT_CONCURRENCY by default). */
  concurrency?: number
  /** Slots one slow endpoint may hold (a tenth of `concurrency` by default). */
  slowEndpointSlots?: number
  /** How often the sweep looks for deliveries whose job was lost, in milliseconds. */
  sweepIntervalMs?: number
  /** How often an idle worker asks the queue for a job, in seconds. */
  pollingIntervalSeconds?: number
  /** Called with every recorded attempt: the hook for metrics. */
  onAttempt?: (report: AttemptReport) => void
}

export interface Worker {
  /**
   * Stops taking jobs, lets the attempts in flight finish for a few seconds
   * and records them, releases the rest, then stops the queue.
   */
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
  const slowEndpointSlots =
    options.slowEndpointSlots ?? Math.max(1, Math.floor(concurrency * SLOW_ENDPOINT_SHARE))
  const dispatcher = startDeliveryDispatcher(context, {
    slots: concurrency,
    maxFetchSize: MAX_FETCH_SIZE,
    endpointLoad: { slowAttemptMs: SLOW_ATTEMPT_MS, slowEndpointSlots },
    maxRecordSize: MAX_RECORD_SIZE,
    pollingIntervalMs: (options.pollingIntervalSeconds ?? 1) * 1000,
    stopGraceMs: STOP_GRACE_MS,
    attemptTimeoutMs: settings.webhookTimeoutMs,
  })

  // /readyz reports the worker stale when no sweep has finished for three intervals.
  const sweepIntervalMs = options.sweepIntervalMs ?? 30_000
  const status = registerBackgroundTask('webhook-worker', { staleAfterMs: 3 * sweepIntervalMs })
  const sweeper = startSweeper(context, sweepIntervalMs, () => status.running())
  logger.info(
    { concurrency, slowEndpointSlots, timeoutMs: settings.webhookTimeoutMs, leaseMs },
    'webhook worker started',
  )

  let stopping: Promise<void> | null = null
  return {
    stop: () =>
      (stopping ??= (async () => {
        status.stopping()
        await sweeper.stop()
        await dispatcher.stop()
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
