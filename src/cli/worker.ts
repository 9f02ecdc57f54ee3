import { parseArgs } from 'node:util'
import { loadSettings } from '../config/settings.ts'
import { startDeliveryQueue, useDeliveryQueue } from '../webhooks/delivery-queue.ts'
import { deliveryQueueOptions, startWorker } from '../worker/start-worker.ts'
import { stopOnSignal } from './graceful-shutdown.ts'
import { openRuntime, type Runtime } from './runtime.ts'
import { registerBackgroundTask } from '../observability/background-tasks.ts'
import { startExpirySweeper } from '../sessions/expiry-sweeper.ts'
import { UsageError } from './usage-error.ts'

const USAGE = `usage: sence-gateway worker

Sends webhook deliveries until SIGTERM or SIGINT. Run any number of workers
on one DATABASE_URL; \`sence-gateway serve\` runs one itself unless started
with --no-worker. The embedded database admits one process, so there the
worker runs inside serve.`

export interface WebhookDelivery {
  stop(): Promise<void>
}

/**
 * Starts the process's delivery queue, through which its use cases enqueue
 * deliveries in their transactions, and, when `worker` is true, the
 * background work: the webhook worker and the expiry of pending intents.
 */
export async function startWebhookDelivery(
  runtime: Runtime,
  options: { worker: boolean },
): Promise<WebhookDelivery> {
  const queue = await startDeliveryQueue(
    runtime.db,
    runtime.logger,
    deliveryQueueOptions(runtime.settings, options.worker),
  )
  const unregister = useDeliveryQueue(queue)
  const worker = options.worker ? await startWorker(runtime, { queue }) : null
  const sweeper = options.worker ? startExpiry(runtime) : null
  return {
    async stop() {
      await sweeper?.stop()
      await worker?.stop()
      unregister()
      await queue.stop()
    },
  }
}

/**
 * Returns how often pending intents past PENDING_TTL_SECONDS are expired:
 * every 30 s, or twice per TTL when the TTL is shorter than a minute.
 */
function expirySweepIntervalMs(pendingTtlSeconds: number): number {
  return Math.min(30_000, pendingTtlSeconds * 500)
}

/** Starts the expiry sweeper; every worker process runs one, and they skip what another holds. */
function startExpiry(runtime: Runtime) {
  const intervalMs = expirySweepIntervalMs(runtime.settings.pendingTtlSeconds)
  const status = registerBackgroundTask('expiry-sweeper', { staleAfterMs: 3 * intervalMs })
  const sweeper = startExpirySweeper({
    prisma: runtime.db.prisma,
    logger: runtime.logger.child({ component: 'expiry-sweeper' }),
    intervalMs,
    onSweep: () => status.running(),
  })
  return {
    async stop() {
      status.stopping()
      await sweeper.stop()
      status.stopped()
    },
  }
}

/** `sence-gateway worker`: the webhook worker and the expiry of pending intents, without HTTP. */
export async function runWorker(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE)
    return 0
  }
  try {
    parseArgs({ args, options: {}, strict: true })
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`)
  }

  const settings = loadSettings()
  const runtime = await openRuntime(settings, { migrate: false })
  const delivery = await startWebhookDelivery(runtime, { worker: true }).catch(async (error) => {
    await runtime.close()
    throw error
  })

  return stopOnSignal({
    logger: runtime.logger,
    timeoutMs: settings.shutdownTimeoutSeconds * 1000,
    steps: [
      // The worker lets its attempts in flight run for a few seconds and
      // records them, then cuts the rest short and releases them for another
      // worker. A process cut off by the timeout leaves its leases to expire.
      { name: 'webhook worker', stop: () => delivery.stop() },
      { name: 'database', stop: () => runtime.close() },
    ],
  })
}
