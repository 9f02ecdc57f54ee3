// The worker's attempt slots. A fixed number of deliveries are in hand at
// once, each from the fetch of its job to the record of its attempt, and
// each frees its slot on its own:
//
// - The fetch loop asks the queue for as many jobs as there are free slots
//   (at most maxFetchSize per fetch, two fetches at a time), claims each
//   fetch's deliveries in one statement, and starts their attempts. It
//   fetches again at once after a full fetch, when a slot frees, or after
//   the polling interval.
// - Each attempt, when it ends, joins the attempts waiting to be recorded.
//   A record takes every attempt waiting (up to maxRecordSize) in one
//   statement, and one record runs at a time, so the attempts that end
//   while a record runs are recorded together by the next one. Then their
//   jobs are completed and their slots free.
// - A slow endpoint (src/worker/endpoint-loads.ts) holds at most its share
//   of the slots. Each job's pg-boss group is its endpoint, so fetches skip
//   the jobs of a slow endpoint at its share, and the few that a fetch
//   returns anyway go back to the queue.
//
// A slow receiver therefore holds only its own share of the slots, and an
// attempt is recorded moments after it ends. A crash loses the record of
// the attempts in flight and of those waiting for a record, which are sent
// again once their leases expire.

import type { Job } from 'pg-boss'
import { z } from 'zod'
import {
  claimDeliveries,
  recordAttempts,
  releaseDeliveries,
  sendAttempts,
  type ClaimedDelivery,
  type DeliveryContext,
  type FinishedAttempt,
} from '../webhooks/deliver.ts'
import { DELIVERY_QUEUE_NAME } from '../webhooks/delivery-queue.ts'
import { createEndpointLoads, type EndpointLoadOptions } from './endpoint-loads.ts'

export interface DispatcherOptions {
  /** Deliveries this process holds at once, from the fetch of a job to its record. */
  slots: number
  /** Jobs taken from the queue in one fetch, at most. */
  maxFetchSize: number
  /** When an endpoint counts as slow, and how many slots a slow endpoint may hold. */
  endpointLoad: EndpointLoadOptions
  /** Finished attempts stored by one record statement, at most. */
  maxRecordSize: number
  /** How long the fetch loop waits after a fetch that found fewer jobs than it asked for, in milliseconds. */
  pollingIntervalMs: number
  /** How long stop() lets the attempts in flight run before it cuts them short, in milliseconds. */
  stopGraceMs: number
  /** The limit of one attempt (WEBHOOK_TIMEOUT_MS), in milliseconds. */
  attemptTimeoutMs: number
}

export interface Dispatcher {
  /** Deliveries in hand: fetched and not yet recorded. */
  inHand(): number
  /**
   * Stops fetching, lets the attempts in flight run for stopGraceMs and
   * records them, then cuts the rest short and releases their deliveries.
   */
  stop(): Promise<void>
}

/**
 * Records that may run at once. With one, the attempts that end during a
 * record all join the next, which keeps records large under load: two at
 * once drained about 10% fewer deliveries per second in
 * `npm run bench -- --only=f` on a shared two-core machine.
 */
const MAX_RECORDS_IN_FLIGHT = 1

/** Fetches that may run at once, so that the next jobs arrive while a fetch's answer is dispatched. */
const MAX_FETCHES_IN_FLIGHT = 2

/** The shortest time between fetches while the queue looks empty, in milliseconds. */
const MIN_EMPTY_FETCH_GAP_MS = 10

/** A failing fetch is logged once, then at most once per this many milliseconds. */
const FETCH_ERROR_LOG_INTERVAL_MS = 30_000

const deliveryJobSchema = z.object({ deliveryId: z.uuid() })

type DeliveryJob = Job<unknown>

/** An attempt that has ended, with the job that brought its delivery. */
interface FinishedJob extends FinishedAttempt {
  job: DeliveryJob
}

export function startDeliveryDispatcher(
  context: DeliveryContext,
  options: DispatcherOptions,
): Dispatcher {
  const { queue, logger } = context
  const endpoints = createEndpointLoads(options.endpointLoad)
  let jobsInHand = 0
  let stopping = false
  const cutShort = new AbortController()
  let onDrained: (() => void) | null = null

  /** Completes or fails the jobs in the queue, then frees their slots. */
  const settle = async (jobs: readonly DeliveryJob[], outcome: 'complete' | 'fail') => {
    if (jobs.length === 0) return
    try {
      if (outcome === 'complete') await queue.boss.complete(DELIVERY_QUEUE_NAME, [...jobs])
      else await queue.boss.fail(DELIVERY_QUEUE_NAME, [...jobs])
    } catch (error) {
      // The jobs stay active until they expire; pg-boss then retries them,
      // and each delivery's lease and status decide whether anything is sent.
      logger.error(
        { err: error, jobIds: jobs.map((job) => job.id), outcome },
        'settling webhook delivery jobs failed; they are retried when they expire',
      )
    }
    for (const job of jobs) if (typeof job.groupId === 'string') endpoints.release(job.groupId)
    freeSlots(jobs.length)
  }

  const freeSlots = (count: number) => {
    jobsInHand -= count
    if (jobsInHand === 0) onDrained?.()
    pump()
  }

  /**
   * Moves jobs of a slow endpoint that holds its share of the slots back
   * to the queue, due now: each job is completed and its delivery gets a
   * waiting job, which later fetches skip while the endpoint stays at its
   * share.
   */
  const giveBack = async (jobs: readonly DeliveryJob[]) => {
    try {
      for (const job of jobs) {
        const parsed = deliveryJobSchema.safeParse(job.data)
        if (parsed.success && typeof job.groupId === 'string')
          await queue.reschedule(
            null,
            { id: parsed.data.deliveryId, endpointId: job.groupId },
            new Date(),
          )
      }
      await queue.boss.complete(DELIVERY_QUEUE_NAME, [...jobs])
    } catch (error) {
      logger.error(
        { err: error, jobIds: jobs.map((job) => job.id) },
        'returning webhook delivery jobs to the queue failed; they are retried when they expire',
      )
    }
    freeSlots(jobs.length)
  }

  /**
   * Releases a delivery whose attempt stop() cut short, and leaves a job
   * due one attempt timeout from now. Cutting the attempt closes only this
   * side of the connection, and the receiver may still be handling it, so
   * the next attempt waits until the cut one would have timed out anyway
   * rather than for the whole lease.
   */
  const release = async (delivery: ClaimedDelivery, job: DeliveryJob) => {
    try {
      const dueAt = new Date(Date.now() + options.attemptTimeoutMs)
      await releaseDeliveries(context, [delivery], dueAt)
      await queue.reschedule(null, delivery, dueAt)
      logger.warn(
        { deliveryId: delivery.id, endpointId: delivery.endpointId },
        'webhook attempt cut short as the worker stops; the delivery will be sent again',
      )
    } catch (error) {
      logger.error(
        { err: error, deliveryId: delivery.id, endpointId: delivery.endpointId },
        'releasing a webhook delivery cut short failed; it is sent again after its lease expires',
      )
    }
    await settle([job], 'complete')
  }

  const recorder = startRecorder(context, options.maxRecordSize, settle)

  /** Claims the deliveries of fetched jobs and starts their attempts. */
  const dispatch = async (fetched: readonly DeliveryJob[]) => {
    // A job without a group was enqueued without its endpoint (by an older
    // version) and takes a slot whatever its endpoint.
    const jobs: DeliveryJob[] = []
    const excess: DeliveryJob[] = []
    for (const job of fetched) {
      if (typeof job.groupId !== 'string' || endpoints.tryHold(job.groupId)) jobs.push(job)
      else excess.push(job)
    }
    if (excess.length > 0) void giveBack(excess)

    const jobsByDelivery = new Map<string, DeliveryJob[]>()
    const done: DeliveryJob[] = []
    for (const job of jobs) {
      const parsed = deliveryJobSchema.safeParse(job.data)
      if (!parsed.success) {
        logger.error({ jobId: job.id, data: job.data }, 'malformed webhook delivery job; dropped')
        done.push(job)
        continue
      }
      const sameDelivery = jobsByDelivery.get(parsed.data.deliveryId) ?? []
      sameDelivery.push(job)
      jobsByDelivery.set(parsed.data.deliveryId, sameDelivery)
    }

    let claimed: ClaimedDelivery[] = []
    if (jobsByDelivery.size > 0) {
      try {
        claimed = await claimDeliveries(context, [...jobsByDelivery.keys()])
      } catch (error) {
        logger.error(
          { err: error, deliveryIds: [...jobsByDelivery.keys()] },
          'claiming webhook deliveries failed; the queue retries their jobs',
        )
        await Promise.all([
          settle(done, 'complete'),
          settle([...jobsByDelivery.values()].flat(), 'fail'),
        ])
        return
      }
    }

    // The first job of a claimed delivery carries its attempt. Every other
    // job is done now: a duplicate, or a delivery that was not claimable
    // (leased elsewhere, not due, no longer pending, endpoint disabled).
    const attemptJobs: DeliveryJob[] = []
    for (const delivery of claimed) {
      const [first, ...duplicates] = jobsByDelivery.get(delivery.id) ?? []
      if (first !== undefined) attemptJobs.push(first)
      done.push(...duplicates)
      jobsByDelivery.delete(delivery.id)
    }
    for (const unclaimed of jobsByDelivery.values()) done.push(...unclaimed)
    void settle(done, 'complete')

    const ended = claimed.map((delivery) => endpoints.attemptStarted(delivery.endpointId))
    const attempts = sendAttempts(context, claimed, cutShort.signal)
    attempts.forEach((attempt, index) => {
      const delivery = claimed[index] as ClaimedDelivery
      const job = attemptJobs[index] as DeliveryJob
      const end = ended[index] as (durationMs: number | null) => void
      attempt.then(
        (result) => {
          end(result.durationMs)
          if (cutShort.signal.aborted) void release(delivery, job)
          else recorder.add({ delivery, result, job })
        },
        (error: unknown) => {
          end(null)
          // Nothing was sent. The lease keeps the delivery until it expires,
          // and the sweep then enqueues it again.
          logger.error(
            { err: error, deliveryId: delivery.id, endpointId: delivery.endpointId },
            'webhook attempt could not be signed; check ENCRYPTION_KEYS. Retried after the lease expires',
          )
          void settle([job], 'fail')
        },
      )
    })
  }

  let fetching = 0
  let reserved = 0
  let queueLooksEmpty = false
  let lastFetchAt = -Infinity
  let pollTimer: NodeJS.Timeout | undefined
  let onFetchesDone: (() => void) | null = null
  const fetchErrors = createErrorLog(logger, FETCH_ERROR_LOG_INTERVAL_MS)

  let pollDueAt = Infinity
  /** Runs pump after delayMs, unless an earlier run is already set. */
  const pollAfter = (delayMs: number) => {
    if (stopping || performance.now() + delayMs >= pollDueAt) return
    clearTimeout(pollTimer)
    pollDueAt = performance.now() + delayMs
    pollTimer = setTimeout(() => {
      pollTimer = undefined
      pollDueAt = Infinity
      pump()
    }, delayMs)
  }

  /** Starts as many fetches as the free slots call for. Called whenever a slot frees or a fetch ends. */
  const pump = () => {
    while (!stopping && fetching < MAX_FETCHES_IN_FLIGHT) {
      const free = options.slots - jobsInHand - reserved
      if (free <= 0) return
      // A fetch costs about the same for one job as for 25, so while
      // another fetch runs, a new one waits until it can fill a batch.
      if (fetching > 0 && free < options.maxFetchSize) return
      if (queueLooksEmpty) {
        // An empty fetch found no due job whose endpoint is below its
        // limit. A freed slot may have lifted that limit, so fetch again,
        // but one fetch at a time and at most every MIN_EMPTY_FETCH_GAP_MS.
        if (fetching > 0) return
        const sinceLast = performance.now() - lastFetchAt
        if (sinceLast < MIN_EMPTY_FETCH_GAP_MS) {
          pollAfter(MIN_EMPTY_FETCH_GAP_MS - sinceLast)
          return
        }
      }
      void fetchJobs(Math.min(free, options.maxFetchSize))
    }
  }

  const fetchJobs = async (requested: number) => {
    fetching += 1
    reserved += requested
    lastFetchAt = performance.now()
    let jobs: DeliveryJob[] = []
    let failed = false
    try {
      const ignoreGroups = endpoints.saturated()
      jobs = await queue.boss.fetch(DELIVERY_QUEUE_NAME, {
        batchSize: requested,
        ...(ignoreGroups.length > 0 ? { ignoreGroups } : {}),
      })
      fetchErrors.recovered()
    } catch (error) {
      fetchErrors.failed(error)
      failed = true
    }
    fetching -= 1
    reserved -= requested
    if (jobs.length > 0) {
      jobsInHand += jobs.length
      void dispatch(jobs).catch((error: unknown) => {
        // dispatch settles its jobs on every path, so reaching this is a bug.
        logger.error(
          { err: error, jobIds: jobs.map((job) => job.id) },
          'dispatching webhook delivery jobs failed',
        )
      })
    }
    if (fetching === 0) onFetchesDone?.()
    if (failed) {
      pollAfter(options.pollingIntervalMs)
      return
    }
    queueLooksEmpty = jobs.length === 0
    // A short fetch took every job that was due: the next ones become due
    // later, or are enqueued later, so poll for them.
    if (jobs.length < requested) pollAfter(options.pollingIntervalMs)
    pump()
  }

  pump()

  let stopped: Promise<void> | null = null
  return {
    inHand: () => jobsInHand,
    stop: () =>
      (stopped ??= (async () => {
        stopping = true
        clearTimeout(pollTimer)
        if (fetching > 0) await new Promise<void>((resolve) => (onFetchesDone = resolve))
        if (jobsInHand > 0) {
          const drained = new Promise<void>((resolve) => (onDrained = resolve))
          let graceTimer: NodeJS.Timeout | undefined
          const graceOver = new Promise<void>(
            (resolve) => (graceTimer = setTimeout(resolve, options.stopGraceMs)),
          )
          await Promise.race([drained, graceOver])
          clearTimeout(graceTimer)
          // An attempt may run up to WEBHOOK_TIMEOUT_MS (two minutes at most),
          // longer than a shutdown may take.
          cutShort.abort()
          await drained
        }
        await recorder.idle()
      })()),
  }
}

/**
 * Collects finished attempts and records them in groups: a record starts
 * as soon as an attempt ends and fewer than MAX_RECORDS_IN_FLIGHT run, and
 * takes every attempt that has ended meanwhile, up to maxRecordSize.
 */
function startRecorder(
  context: DeliveryContext,
  maxRecordSize: number,
  settle: (jobs: readonly DeliveryJob[], outcome: 'complete' | 'fail') => Promise<void>,
) {
  const waiting: FinishedJob[] = []
  let running = 0
  let onIdle: (() => void) | null = null

  const record = async (group: FinishedJob[]) => {
    const jobs = group.map((finished) => finished.job)
    try {
      await recordAttempts(context, group)
    } catch (error) {
      // The attempts were sent but not recorded. Failing their jobs lets the
      // queue retry them; the leases keep the deliveries from being sent
      // again until they expire.
      context.logger.error(
        { err: error, deliveryIds: group.map((finished) => finished.delivery.id) },
        'recording webhook attempts failed; the deliveries are sent again after their leases expire',
      )
      await settle(jobs, 'fail')
      return
    }
    await settle(jobs, 'complete')
  }

  const startRecords = () => {
    while (running < MAX_RECORDS_IN_FLIGHT && waiting.length > 0) {
      const group = waiting.splice(0, maxRecordSize)
      running += 1
      void record(group).finally(() => {
        running -= 1
        startRecords()
        if (running === 0 && waiting.length === 0) onIdle?.()
      })
    }
  }

  return {
    add(finished: FinishedJob) {
      waiting.push(finished)
      startRecords()
    },
    /** Resolves when no record runs or waits. */
    async idle() {
      if (running === 0 && waiting.length === 0) return
      await new Promise<void>((resolve) => (onIdle = resolve))
    },
  }
}

/** Logs the first of a run of failures, then one line per interval with the run's count so far. */
function createErrorLog(logger: DeliveryContext['logger'], intervalMs: number) {
  let failures = 0
  let loggedAt = -Infinity
  return {
    failed(error: unknown) {
      failures += 1
      const now = performance.now()
      if (now - loggedAt < intervalMs) return
      loggedAt = now
      logger.error(
        { err: error, failures },
        'fetching webhook delivery jobs failed; retrying after the polling interval',
      )
    },
    recovered() {
      if (failures === 0) return
      logger.info({ failures }, 'fetching webhook delivery jobs works again')
      failures = 0
      loggedAt = -Infinity
    },
  }
}
