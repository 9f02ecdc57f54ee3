// Measure (f): webhook deliveries per second, from the gateway's outbox to
// a local receiver that responds with 204. A burst of start callbacks
// records one pending WebhookDelivery per callback through the gateway's
// own path, while the receiver holds its responses (a receiver that
// stalls), so that the worker's attempts wait and the rest of the burst's
// deliveries queue up behind them. When the burst ends, the receiver
// answers everything at once, and the measure counts the rate at which the
// backlog drains, as the rows turn from pending to succeeded. It relies on
// nothing of how the delivery worker is built, only on its emptying the
// outbox. (Without the stall the worker keeps up with the callbacks, and
// the rate would be theirs.)

import { performance } from 'node:perf_hooks'
import pg from 'pg'
import {
  measureCallback,
  minimumCallbacks,
  prepareIntents,
  serveLaunchPages,
} from './http-measures.ts'
import type { CpuCost } from './cpu.ts'
import { percentile, round } from './stats.ts'
import type { WebhookReceiver } from './webhook-receiver.ts'

export interface DeliveryStatuses {
  pending: number
  succeeded: number
  failed: number
}

export interface WebhookFigures {
  deliveriesPerSecond: number | null
  /** The reason deliveriesPerSecond is null, or what bounds it. */
  reason?: string
  /** The span the rate was taken over: the drain of the backlog after the burst, or the whole burst. */
  basis: 'drain after the burst' | 'whole burst' | null
  /** Milliseconds from a callback to the arrival of its webhook, the receiver's stall included. */
  p50LagMs: number | null
  p99LagMs: number | null
  /** Start callbacks sent, each one an event for the endpoint. */
  callbacks: number
  callbacksPerSecond: number | null
  /** WebhookDelivery rows of the endpoint, by status, when the measure ended. */
  statuses: DeliveryStatuses | null
  /** Distinct deliveries the receiver counted. */
  received: number
  /** Callbacks not yet delivered when the burst ended. */
  backlogAtBurstEnd: number
  durationSeconds: number
  /** CPU milliseconds per delivery received, by process, burst and preparation included. */
  cpu?: CpuCost | null
  /** The webhooks that the callbacks of (d) and (e) caused, when (f) began. */
  duringLoad?: { received: number; statuses: DeliveryStatuses | null }
}

export interface WebhookRun {
  gatewayUrl: string
  databaseUrl: string
  otec: { id: string; apiKey: string }
  receiver: WebhookReceiver
  /** The receiver path of this OTEC's endpoint. */
  receiverPath: string
  returnUrl: string
  callbacks: number
  /** The measure ends when nothing changes for this long. */
  idleSeconds: number
  maxSeconds: number
}

/** Backlog share at the burst's end above which the rate is taken from the drain alone. */
const DRAIN_BASIS_SHARE = 0.2

export async function measureWebhooks(run: WebhookRun): Promise<WebhookFigures> {
  const connections = 64
  const intents = await prepareIntents(
    run.gatewayUrl,
    run.otec.apiKey,
    run.returnUrl,
    Math.max(run.callbacks, minimumCallbacks(connections)) + connections,
  )
  await serveLaunchPages(run.gatewayUrl, intents)
  const pool = new pg.Pool({ connectionString: run.databaseUrl, max: 1 })
  try {
    run.receiver.stall(run.receiverPath)
    const burstStart = performance.now()
    const burst = await measureCallback(run.gatewayUrl, intents, connections).finally(() =>
      run.receiver.release(run.receiverPath),
    )
    const burstEnd = performance.now()
    const atBurstEnd = run.receiver.counts(run.receiverPath)
    const callbacks = burst.responses

    const statuses = await watchUntilSettled(run, pool, callbacks)
    const final = run.receiver.counts(run.receiverPath)

    const figures: WebhookFigures = {
      deliveriesPerSecond: null,
      basis: null,
      p50LagMs: percentile(final.lagsMs, 50),
      p99LagMs: percentile(final.lagsMs, 99),
      callbacks,
      callbacksPerSecond: burst.requestsPerSecond,
      statuses,
      received: final.deliveries,
      backlogAtBurstEnd: callbacks - atBurstEnd.deliveries,
      durationSeconds: round(((final.lastAt ?? burstEnd) - burstStart) / 1000, 2),
    }
    const recorded =
      statuses === null ? null : statuses.pending + statuses.succeeded + statuses.failed

    if (burst.requestsPerSecond === null) {
      figures.reason = `the burst of start callbacks failed: ${burst.reason}`
    } else if (recorded === 0) {
      figures.reason =
        `the ${callbacks} start callbacks recorded no WebhookDelivery row for the OTEC's endpoint ` +
        '(created by `otec create --webhook-url`), so nothing was there to deliver'
    } else if (final.deliveries === 0) {
      figures.reason =
        `no webhook was delivered: the receiver got no request, and ` +
        `${statuses?.pending ?? '?'} of the ${recorded ?? '?'} WebhookDelivery rows were still pending ` +
        `${run.idleSeconds} s after the last change; this build of the gateway runs no delivery worker`
    } else {
      const drained = final.deliveries - atBurstEnd.deliveries
      const lastAt = final.lastAt as number
      if (figures.backlogAtBurstEnd >= DRAIN_BASIS_SHARE * callbacks && drained >= 2) {
        figures.basis = 'drain after the burst'
        figures.deliveriesPerSecond = round(drained / ((lastAt - burstEnd) / 1000))
      } else {
        figures.basis = 'whole burst'
        figures.deliveriesPerSecond = round(final.deliveries / ((lastAt - burstStart) / 1000))
        figures.reason =
          'a lower bound: the worker kept up with the callbacks, so the rate is that of the events'
      }
      if (final.deliveries < callbacks)
        figures.reason = `${figures.reason ?? ''}${figures.reason === undefined ? '' : '; '}only ${final.deliveries} of ${callbacks} were delivered when the measure ended`
    }
    return figures
  } finally {
    await pool.end()
  }
}

/**
 * Polls the receiver and the endpoint's WebhookDelivery rows until every
 * callback is delivered and none is pending, nothing changes for
 * idleSeconds, or maxSeconds pass. Returns the last statuses, or null when
 * the table could not be read.
 */
async function watchUntilSettled(
  run: WebhookRun,
  pool: pg.Pool,
  callbacks: number,
): Promise<DeliveryStatuses | null> {
  const start = performance.now()
  let lastChange = start
  let previous = ''
  let statuses: DeliveryStatuses | null = null
  for (;;) {
    statuses = await deliveryStatuses(pool, run.otec.id).catch(() => null)
    const received = run.receiver.counts(run.receiverPath).deliveries
    const now = performance.now()
    const snapshot = JSON.stringify([statuses, received])
    if (snapshot !== previous) {
      previous = snapshot
      lastChange = now
    }
    const done = received >= callbacks && (statuses === null || statuses.pending === 0)
    if (done || now - lastChange > run.idleSeconds * 1000 || now - start > run.maxSeconds * 1000)
      return statuses
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Counts an OTEC's WebhookDelivery rows by status. */
export async function deliveryStatuses(pool: pg.Pool, otecId: string): Promise<DeliveryStatuses> {
  const result = await pool.query<{ status: string; count: number }>(
    `SELECT d.status::text AS status, count(*)::int AS count
       FROM "WebhookDelivery" d JOIN "WebhookEndpoint" e ON e.id = d."endpointId"
      WHERE e."otecId" = $1
      GROUP BY 1`,
    [otecId],
  )
  const statuses: DeliveryStatuses = { pending: 0, succeeded: 0, failed: 0 }
  for (const row of result.rows)
    if (row.status in statuses) statuses[row.status as keyof DeliveryStatuses] = row.count
  return statuses
}
