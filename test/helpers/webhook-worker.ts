// Starts the webhook delivery queue and worker of a test gateway in the
// test's process, polling fast so that the tests wait seconds, not minutes.

import {
  startDeliveryQueue,
  useDeliveryQueue,
  type DeliveryQueue,
} from '../../src/webhooks/delivery-queue.ts'
import {
  deliveryQueueOptions,
  startWorker,
  type Worker,
  type WorkerOptions,
} from '../../src/worker/start-worker.ts'
import { createIntent, VALID_INTENT, visitThroughSimulator } from './browser-flow.ts'
import type { TestGateway } from './gateway.ts'

export interface TestWorker {
  queue: DeliveryQueue
  worker: Worker
  /** Stops the worker and the queue; safe to call more than once. */
  stop(): Promise<void>
}

interface Teardown {
  teardown(fn: () => unknown): void
}

/**
 * Starts a queue registered as the process's (so that callbacks enqueue
 * their deliveries in their transaction) and a worker on it.
 */
export async function startTestWorker(
  t: Teardown,
  gateway: TestGateway,
  options: WorkerOptions = {},
): Promise<TestWorker> {
  // The test database is dropped at teardown, which may terminate an idle
  // connection of the pool before it has closed; pg reports that as an
  // 'error' event, which would end the process when nothing listens.
  gateway.db.pool.on('error', () => {})
  const queue = await startDeliveryQueue(
    gateway.db,
    gateway.services.logger,
    deliveryQueueOptions(gateway.settings, true),
  )
  const unregister = useDeliveryQueue(queue)
  const worker = await startWorker(gateway.services, {
    queue,
    sweepIntervalMs: 500,
    pollingIntervalSeconds: 0.5,
    ...options,
  })
  let stopping: Promise<void> | null = null
  const stop = () =>
    (stopping ??= (async () => {
      await worker.stop()
      unregister()
      await queue.stop()
    })())
  t.teardown(stop)
  return { queue, worker, stop }
}

/** Settings for delivery tests: loopback receivers, 1 s retries, 1 s timeout. */
export const FAST_WEBHOOK_SETTINGS = {
  WEBHOOK_ALLOW_PRIVATE_TARGETS: '1',
  WEBHOOK_RETRY_DELAYS: '1,1,1,1',
  WEBHOOK_TIMEOUT_MS: '1000',
}

/** Starts a session through the simulator, which records a session.started event; returns its id. */
export async function startSession(gateway: TestGateway): Promise<string> {
  const created = await createIntent(gateway, VALID_INTENT)
  const visit = await visitThroughSimulator(gateway, created.body['startUrl'])
  if (visit.callbackResponse?.statusCode !== 303)
    throw new Error(`the start callback was not applied: ${visit.callbackResponse?.body}`)
  return created.body['id']
}

/** Waits until the delivery of a session's first event has `status`, and returns it with its attempts. */
export async function waitForSessionDelivery(
  gateway: TestGateway,
  sessionId: string,
  status: 'pending' | 'succeeded' | 'failed',
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const delivery = await gateway.db.prisma.webhookDelivery.findFirst({
      where: { event: { sessionId } },
      include: { attempts: { orderBy: { attemptNumber: 'asc' } }, endpoint: true },
    })
    if (delivery !== null && delivery.status === status) return delivery
    if (Date.now() > deadline)
      throw new Error(`the delivery did not become ${status}: ${JSON.stringify(delivery)}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
