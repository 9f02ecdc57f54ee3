// Delivery attempts from claim to record, in three steps that the worker's
// dispatcher (src/worker/delivery-dispatcher.ts) runs for each delivery:
//
// 1. Claim (claimDeliveries): one conditional UPDATE takes a lease on every
//    delivery of a fetched group that is pending, due and not leased, and
//    returns it with its event and endpoint. Two workers (or a job the
//    queue delivered twice) cannot both win a delivery, so one event is
//    never sent twice at the same time.
// 2. Send (sendAttempts): sign each with a fresh timestamp and POST it. Each
//    attempt ends on its own, with an AttemptResult.
// 3. Record (recordAttempts): one statement stores the attempts that have
//    ended and moves their deliveries (succeeded, failed, or pending with
//    their next attempt); in the same transaction, the jobs of the next
//    attempts are enqueued and endpoints that answered 410 are disabled.
//
// A crash between 2 and 3 leaves the leases to expire; the sweep then
// enqueues the deliveries again, and a receiver may get the same webhook-id
// twice: delivery is at least once, and receivers deduplicate on the id.

import { randomUUID } from 'node:crypto'
import type { Logger } from '../logging/logger.ts'
import type { PrismaClient, Transaction } from '../persistence/database.ts'
import type { Prisma } from '../persistence/generated/client.ts'
import type { SecretBox } from '../security/secret-box.ts'
import type { DeliveryQueue } from './delivery-queue.ts'
import { disableEndpointInTransaction } from './endpoint-state.ts'
import { nextRetryDelaySeconds } from './retry-schedule.ts'
import type { AttemptResult, WebhookSender } from './send-attempt.ts'
import { signedHeaders } from './signature.ts'
import { storableText } from '../sessions/session-events.ts'
import { webhookBody } from './webhook-body.ts'

export interface DeliveryContext {
  prisma: PrismaClient
  secrets: SecretBox
  sender: WebhookSender
  queue: DeliveryQueue
  logger: Logger
  retryDelaysSeconds: readonly number[]
  /** How long a claim holds a delivery: longer than an attempt's timeout. */
  leaseMs: number
  /** Called once per recorded attempt, for metrics. It must not throw. */
  onAttempt?: ((report: AttemptReport) => void) | undefined
}

/** What is known once an attempt is recorded: the hook for metrics. */
export interface AttemptReport {
  deliveryId: string
  eventId: string
  eventType: string
  endpointId: string
  otecId: string
  attemptNumber: number
  outcome: AttemptResult['outcome']
  failureKind: AttemptResult['failureKind']
  statusCode: number | null
  durationMs: number
  error: string | null
  /** The delivery's status after this attempt. */
  deliveryStatus: 'pending' | 'succeeded' | 'failed'
  nextAttemptAt: Date | null
}

/** A delivery this worker holds the lease of, with what its attempt needs. */
export interface ClaimedDelivery {
  id: string
  eventId: string
  endpointId: string
  otecId: string
  attemptCount: number
  eventType: string
  payload: Prisma.JsonValue
  url: string
  enabled: boolean
  secretSealed: string
  previousSecretSealed: string | null
  previousSecretExpiresAt: Date | null
  /** The database's clock when the lease was taken. */
  claimedAt: Date
  token: string
  /** performance.now() when the claim returned, to carry the database's clock forward. */
  claimedAtMs: number
}

/** A delivery whose attempt has ended, with its result, ready to be recorded. */
export interface FinishedAttempt {
  delivery: ClaimedDelivery
  result: AttemptResult
}

/**
 * Claims every delivery in `deliveryIds` that is pending, due and not leased,
 * and returns those whose endpoint is enabled, ready to send. A delivery of
 * a disabled endpoint is failed at once, and an unclaimed one that is not
 * yet due gets a job for its due time. An id listed twice is claimed once.
 * Throws only when the database fails.
 */
export async function claimDeliveries(
  context: DeliveryContext,
  deliveryIds: readonly string[],
): Promise<ClaimedDelivery[]> {
  const unique = [...new Set(deliveryIds)]
  const claimed = await takeLeases(context, unique)
  for (const id of unique) if (!claimed.has(id)) await rescheduleUnclaimed(context, id)

  const sendable: ClaimedDelivery[] = []
  for (const delivery of claimed.values()) {
    if (delivery.enabled) sendable.push(delivery)
    else await failForDisabledEndpoint(context, delivery)
  }
  return sendable
}

/**
 * Signs and sends one attempt of each claimed delivery. Each promise
 * resolves when its own attempt ends; none rejects for an HTTP failure,
 * which is a result. A delivery whose secret cannot be opened (a key
 * missing from ENCRYPTION_KEYS) gets a rejected promise and no request.
 */
export function sendAttempts(
  context: DeliveryContext,
  deliveries: readonly ClaimedDelivery[],
  signal?: AbortSignal,
): Promise<AttemptResult>[] {
  const signing = new Map<string, string[]>()
  return deliveries.map((delivery) => {
    try {
      const body = webhookBody(delivery.payload)
      const timestampSeconds = Math.floor(Date.now() / 1000)
      const secrets = signingSecretsOf(context.secrets, delivery, signing)
      const headers = signedHeaders(secrets, delivery.eventId, timestampSeconds, body)
      return context.sender.send({ url: delivery.url, body, headers: { ...headers }, signal })
    } catch (error) {
      return Promise.reject(error)
    }
  })
}

/**
 * Gives up the leases of deliveries whose attempts were cut short without a
 * record, and makes them due at `dueAt`, so that another worker may send
 * them then instead of after the lease. Their attempts count for nothing.
 */
export async function releaseDeliveries(
  context: DeliveryContext,
  deliveries: readonly ClaimedDelivery[],
  dueAt: Date,
): Promise<void> {
  for (const delivery of deliveries)
    await context.prisma.webhookDelivery.updateMany({
      where: { id: delivery.id, leaseToken: delivery.token },
      data: { leaseToken: null, leaseExpiresAt: null, nextAttemptAt: dueAt },
    })
}

/**
 * Records finished attempts in one statement (one transaction when some
 * need a retry job or disable an endpoint), then logs each and passes it
 * to `onAttempt`. Returns a report per attempt, in order, or null for a
 * delivery whose lease another worker took over, which is not moved.
 * Throws only when the database fails.
 */
export async function recordAttempts(
  context: DeliveryContext,
  finished: readonly FinishedAttempt[],
): Promise<(AttemptReport | null)[]> {
  const reports = await storeFinishedAttempts(context, finished)
  for (const report of reports) {
    if (report === null) continue
    logAttempt(context.logger, report)
    try {
      context.onAttempt?.(report)
    } catch (error) {
      context.logger.error(
        { err: error, deliveryId: report.deliveryId },
        'webhook attempt listener failed',
      )
    }
  }
  return reports
}

/**
 * Takes the lease of every delivery in `ids` that is pending, due and not
 * leased, in one UPDATE that also reads its event and endpoint.
 */
async function takeLeases(
  context: DeliveryContext,
  ids: readonly string[],
): Promise<Map<string, ClaimedDelivery>> {
  const token = randomUUID()
  const rows = await context.prisma.$queryRaw<Omit<ClaimedDelivery, 'token' | 'claimedAtMs'>[]>`
    UPDATE "WebhookDelivery" AS d
       SET "leaseToken" = ${token}::uuid,
           "leaseExpiresAt" = now() + ${context.leaseMs} * interval '1 millisecond',
           "updatedAt" = now()
      FROM "WebhookEvent" AS e, "WebhookEndpoint" AS p
     WHERE d."id" = ANY(${ids}::uuid[])
       AND d."status" = 'pending'
       AND (d."nextAttemptAt" IS NULL OR d."nextAttemptAt" <= now())
       AND (d."leaseExpiresAt" IS NULL OR d."leaseExpiresAt" <= now())
       AND e."id" = d."eventId"
       AND p."id" = d."endpointId"
    RETURNING d."id", d."eventId", d."endpointId", d."otecId", d."attemptCount",
              e."type" AS "eventType", e."payload",
              p."url", p."enabled", p."secretSealed", p."previousSecretSealed",
              p."previousSecretExpiresAt", now() AS "claimedAt"`
  const claimedAtMs = performance.now()
  return new Map(rows.map((row) => [row.id, { ...row, token, claimedAtMs }]))
}

/**
 * Leaves a job for the due time of a delivery that could not be claimed
 * because it is not due yet. A job that ran early (a duplicate, or clocks
 * that disagree) must not end the schedule. A delivery that is leased, or
 * no longer pending, needs nothing.
 */
async function rescheduleUnclaimed(context: DeliveryContext, deliveryId: string): Promise<void> {
  const [state] = await context.prisma.$queryRaw<
    { status: string; endpointId: string; nextAttemptAt: Date | null; leased: boolean | null }[]
  >`
    SELECT "status"::text AS "status", "endpointId", "nextAttemptAt",
           "leaseExpiresAt" > now() AS "leased"
      FROM "WebhookDelivery" WHERE "id" = ${deliveryId}::uuid`
  if (state === undefined || state.status !== 'pending' || state.leased === true) return
  if (state.nextAttemptAt !== null) {
    await context.queue.reschedule(
      null,
      { id: deliveryId, endpointId: state.endpointId },
      state.nextAttemptAt,
    )
  }
}

async function failForDisabledEndpoint(
  context: DeliveryContext,
  delivery: ClaimedDelivery,
): Promise<void> {
  await context.prisma.webhookDelivery.updateMany({
    where: { id: delivery.id, leaseToken: delivery.token },
    data: {
      status: 'failed',
      failureReason: 'endpoint_disabled',
      nextAttemptAt: null,
      leaseToken: null,
      leaseExpiresAt: null,
    },
  })
  context.logger.info(
    { deliveryId: delivery.id, endpointId: delivery.endpointId },
    'webhook endpoint disabled; delivery failed',
  )
}

/** One attempt as stored: a WebhookAttempt row and the delivery's new state. */
interface AttemptRecord {
  attemptId: string
  deliveryId: string
  leaseToken: string
  attemptNumber: number
  outcome: AttemptResult['outcome']
  url: string
  startedAt: string
  durationMs: number
  statusCode: number | null
  error: string | null
  responseExcerpt: string | null
  deliveryStatus: AttemptReport['deliveryStatus']
  nextAttemptAt: string | null
  failureReason: string | null
}

/**
 * Stores the attempts and moves their deliveries. A delivery whose lease
 * another worker took over (its lease expired) keeps its attempt row but
 * is not moved, and its report is null.
 */
async function storeFinishedAttempts(
  context: DeliveryContext,
  finished: readonly FinishedAttempt[],
): Promise<(AttemptReport | null)[]> {
  if (finished.length === 0) return []
  const deliveries = finished.map(({ delivery }) => delivery)
  const results = finished.map(({ result }) => result)
  const records = finished.map(({ delivery, result }) => attemptRecord(context, delivery, result))
  const followUps = records.flatMap((record, index) =>
    record.nextAttemptAt !== null || record.failureReason === 'endpoint_gone'
      ? [{ record, delivery: deliveries[index] as ClaimedDelivery }]
      : [],
  )

  const store = async (db: PrismaClient | Transaction): Promise<Set<string>> => {
    const moved = await storeAttempts(db, records)
    for (const { record, delivery } of followUps) {
      if (!moved.has(delivery.id)) continue
      if (record.failureReason === 'endpoint_gone')
        await disableEndpointInTransaction(
          db as Transaction,
          delivery.endpointId,
          `the receiver answered 410 Gone to delivery ${delivery.id}`,
        )
      if (record.nextAttemptAt !== null)
        await context.queue.enqueue(db as Transaction, delivery, new Date(record.nextAttemptAt))
    }
    return moved
  }
  // One statement is atomic on its own; the follow-ups need it in a
  // transaction, so that a retry's job commits with its schedule.
  const moved =
    followUps.length === 0
      ? await store(context.prisma)
      : await context.prisma.$transaction((tx: Transaction) => store(tx))

  return deliveries.map((delivery, index) => {
    const record = records[index] as AttemptRecord
    const result = results[index] as AttemptResult
    if (!moved.has(delivery.id)) {
      context.logger.warn(
        { deliveryId: delivery.id, attemptNumber: record.attemptNumber },
        'webhook delivery lease expired before the attempt was recorded; another worker took it over',
      )
      return null
    }
    return {
      deliveryId: delivery.id,
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      endpointId: delivery.endpointId,
      otecId: delivery.otecId,
      attemptNumber: record.attemptNumber,
      outcome: result.outcome,
      failureKind: result.failureKind,
      statusCode: result.statusCode,
      durationMs: result.durationMs,
      error: result.error,
      deliveryStatus: record.deliveryStatus,
      nextAttemptAt: record.nextAttemptAt === null ? null : new Date(record.nextAttemptAt),
    }
  })
}

/** Decides what an attempt's result does to its delivery: done, failed for good, or retried when. */
function attemptRecord(
  context: DeliveryContext,
  delivery: ClaimedDelivery,
  result: AttemptResult,
): AttemptRecord {
  const attemptNumber = delivery.attemptCount + 1
  const gone = result.statusCode === 410
  // A target the SSRF guard refuses stays refused: retrying it for three days
  // would only fill the log. A redelivery tries again once the URL is fixed.
  const blocked = result.failureKind === 'blocked'
  const retryDelay =
    result.outcome === 'succeeded' || gone || blocked
      ? null
      : nextRetryDelaySeconds(attemptNumber, context.retryDelaysSeconds, result.retryAfterSeconds)

  // Measured on the database's clock, like the claim, so that the job's
  // start and the claim's due check agree even if this host's clock is off.
  const databaseNow = delivery.claimedAt.getTime() + (performance.now() - delivery.claimedAtMs)
  const nextAttemptAt =
    retryDelay === null ? null : new Date(Math.ceil(databaseNow + retryDelay * 1000))
  const deliveryStatus =
    result.outcome === 'succeeded' ? 'succeeded' : nextAttemptAt === null ? 'failed' : 'pending'
  return {
    attemptId: randomUUID(),
    deliveryId: delivery.id,
    leaseToken: delivery.token,
    attemptNumber,
    outcome: result.outcome,
    url: delivery.url,
    startedAt: result.startedAt.toISOString(),
    durationMs: result.durationMs,
    statusCode: result.statusCode,
    // Stored through jsonb, which rejects NUL characters and lone surrogates:
    // a receiver's body may hold both, and the excerpt may cut a pair in two.
    error: result.error === null ? null : storableText(result.error),
    responseExcerpt: result.responseExcerpt === null ? null : storableText(result.responseExcerpt),
    deliveryStatus,
    nextAttemptAt: nextAttemptAt?.toISOString() ?? null,
    failureReason:
      deliveryStatus !== 'failed'
        ? null
        : gone
          ? 'endpoint_gone'
          : blocked
            ? 'target_blocked'
            : 'attempts_exhausted',
  }
}

/**
 * Inserts every attempt and moves every delivery whose lease is still this
 * worker's, in one statement. Returns the ids of the deliveries moved.
 */
async function storeAttempts(
  db: PrismaClient | Transaction,
  records: readonly AttemptRecord[],
): Promise<Set<string>> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(records)}::jsonb) AS x(
        "attemptId" uuid, "deliveryId" uuid, "leaseToken" uuid, "attemptNumber" int,
        "outcome" text, "url" text, "startedAt" timestamptz, "durationMs" int,
        "statusCode" int, "error" text, "responseExcerpt" text,
        "deliveryStatus" text, "nextAttemptAt" timestamptz, "failureReason" text)
    ), attempts AS (
      INSERT INTO "WebhookAttempt" ("id", "deliveryId", "attemptNumber", "outcome", "url",
                                    "startedAt", "durationMs", "statusCode", "error",
                                    "responseExcerpt")
      SELECT "attemptId", "deliveryId", "attemptNumber", "outcome", "url", "startedAt",
             "durationMs", "statusCode", "error", "responseExcerpt"
        FROM input
    )
    UPDATE "WebhookDelivery" AS d
       SET "status" = input."deliveryStatus"::"DeliveryStatus",
           "attemptCount" = d."attemptCount" + 1,
           "lastAttemptAt" = input."startedAt",
           "lastStatusCode" = input."statusCode",
           "lastError" = input."error",
           "nextAttemptAt" = input."nextAttemptAt",
           "failureReason" = input."failureReason",
           "leaseToken" = NULL,
           "leaseExpiresAt" = NULL,
           "updatedAt" = now()
      FROM input
     WHERE d."id" = input."deliveryId" AND d."leaseToken" = input."leaseToken"
    RETURNING d."id"`
  return new Set(rows.map((row) => row.id))
}

/**
 * The secrets that sign now: the current one, then the previous one while
 * its overlap lasts. Opened once per endpoint of a batch.
 */
function signingSecretsOf(
  secrets: SecretBox,
  delivery: ClaimedDelivery,
  opened: Map<string, string[]>,
): string[] {
  const known = opened.get(delivery.endpointId)
  if (known !== undefined) return known
  const signing = [secrets.open(delivery.secretSealed)]
  if (
    delivery.previousSecretSealed !== null &&
    delivery.previousSecretExpiresAt !== null &&
    delivery.previousSecretExpiresAt > new Date()
  )
    signing.push(secrets.open(delivery.previousSecretSealed))
  opened.set(delivery.endpointId, signing)
  return signing
}

function logAttempt(logger: Logger, report: AttemptReport): void {
  const fields = {
    deliveryId: report.deliveryId,
    webhookId: report.eventId,
    endpointId: report.endpointId,
    otecId: report.otecId,
    attemptNumber: report.attemptNumber,
    statusCode: report.statusCode,
    durationMs: report.durationMs,
    error: report.error ?? undefined,
    nextAttemptAt: report.nextAttemptAt?.toISOString(),
  }
  if (report.outcome === 'succeeded') logger.info(fields, 'webhook delivered')
  else if (report.deliveryStatus === 'pending')
    logger.warn(fields, 'webhook attempt failed; will retry')
  else
    logger.warn(
      { ...fields, deliveryStatus: report.deliveryStatus },
      'webhook delivery failed for good',
    )
}
