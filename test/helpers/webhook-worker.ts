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
