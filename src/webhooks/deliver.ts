// Delivery attempts from claim to record: the worker's job handler. The
// worker hands over a batch of delivery ids (one pg-boss fetch), and each
// step below runs once for the whole batch, so that the database work per
// attempt shrinks as the batch grows.
//
// 1. Claim: one conditional UPDATE takes a lease on every delivery of the
//    batch that is pending, due and not leased, and returns it with its
//    event and endpoint. Two workers (or a job the queue delivered twice)
//    cannot both win a delivery, so one event is never sent twice at the
//    same time.
// 2. Send: sign each with a fresh timestamp, POST them all at once, and get
//    an AttemptResult each.
// 3. Record: one statement stores the attempts and moves the deliveries
//    (succeeded, failed, or pending with their next attempt); in the same
//    transaction, the jobs of the next attempts are enqueued and endpoints
//    that answered 410 are disabled.
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

export type DeliveryRun =
  | { kind: 'attempted'; report: AttemptReport }
  | { kind: 'not_due' | 'not_pending' | 'leased' | 'endpoint_disabled' | 'lease_lost' }

/** A delivery this worker holds the lease of, with what its attempt needs. */
interface ClaimedDelivery {
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

/** Claims, sends and records one attempt of a delivery. Throws only when the database fails. */
export async function processDelivery(
  context: DeliveryContext,
  deliveryId: string,
): Promise<DeliveryRun> {
  const [run] = await processDeliveries(context, [deliveryId])
  return run as DeliveryRun
}

/**
 * Claims, sends and records one attempt of each delivery, and returns what
 * happened to each, in the order of `deliveryIds`. An id listed twice is
 * attempted once; its other entries report `leased`. Throws only when the
 * database fails.
 */
export async function processDeliveries(
  context: DeliveryContext,
  deliveryIds: readonly string[],
): Promise<DeliveryRun[]> {
  const unique = [...new Set(deliveryIds)]
  const claimed = await claimDeliveries(context, unique)
  const runs = new Map<string, DeliveryRun>()

  for (const id of unique) if (!claimed.has(id)) runs.set(id, await explainUnclaimed(context, id))

  const sendable: ClaimedDelivery[] = []
  for (const delivery of claimed.values()) {
    if (delivery.enabled) sendable.push(delivery)
    else runs.set(delivery.id, await failForDisabledEndpoint(context, delivery))
  }

  const signing = new Map<string, string[]>()
  const results = await Promise.all(
    sendable.map((delivery) => {
      const body = webhookBody(delivery.payload)
      const timestampSeconds = Math.floor(Date.now() / 1000)
      const secrets = signingSecretsOf(context.secrets, delivery, signing)
      const headers = signedHeaders(secrets, delivery.eventId, timestampSeconds, body)
      return context.sender.send({ url: delivery.url, body, headers: { ...headers } })
    }),
  )

  const reports = await recordAttempts(context, sendable, results)
  for (const [index, delivery] of sendable.entries()) {
    const report = reports[index] as AttemptReport | null
    if (report === null) {
      runs.set(delivery.id, { kind: 'lease_lost' })
      continue
    }
    logAttempt(context.logger, report)
    try {
      context.onAttempt?.(report)
    } catch (error) {
      context.logger.error(
        { err: error, deliveryId: delivery.id },
        'webhook attempt listener failed',
      )
    }
    runs.set(delivery.id, { kind: 'attempted', report })
  }

  const reported = new Set<string>()
  return deliveryIds.map((id) => {
    if (reported.has(id)) return { kind: 'leased' }
    reported.add(id)
    return runs.get(id) as DeliveryRun
  })
}

/**
 * Takes the lease of every delivery in `ids` that is pending, due and not
 * leased, in one UPDATE that also reads its event and endpoint.
 */
async function claimDeliveries(
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
 * Tells why a delivery could not be claimed. A job that ran before its
 * delivery was due (a duplicate, or clocks that disagree) leaves a job for
 * the due time, so that the early one does not end the schedule.
 */
async function explainUnclaimed(
  context: DeliveryContext,
  deliveryId: string,
): Promise<DeliveryRun> {
  const [state] = await context.prisma.$queryRaw<
    { status: string; endpointId: string; nextAttemptAt: Date | null; leased: boolean | null }[]
  >`
    SELECT "status"::text AS "status", "endpointId", "nextAttemptAt",
           "leaseExpiresAt" > now() AS "leased"
      FROM "WebhookDelivery" WHERE "id" = ${deliveryId}::uuid`
  if (state === undefined || state.status !== 'pending') return { kind: 'not_pending' }
  if (state.leased === true) return { kind: 'leased' }
  if (state.nextAttemptAt !== null) {
    await context.queue.reschedule(
      null,
      { id: deliveryId, endpointId: state.endpointId },
      state.nextAttemptAt,
    )
  }
  return { kind: 'not_due' }
}

async function failForDisabledEndpoint(
  context: DeliveryContext,
  delivery: ClaimedDelivery,
): Promise<DeliveryRun> {
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
  return { kind: 'endpoint_disabled' }
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
async function recordAttempts(
  context: DeliveryContext,
  deliveries: readonly ClaimedDelivery[],
  results: readonly AttemptResult[],
): Promise<(AttemptReport | null)[]> {
  if (deliveries.length === 0) return []
  const records = deliveries.map((delivery, index) =>
    attemptRecord(context, delivery, results[index] as AttemptResult),
  )
  const followUps = records.filter(
    (record) => record.nextAttemptAt !== null || record.failureReason === 'endpoint_gone',
  )

  const store = async (db: PrismaClient | Transaction): Promise<Set<string>> => {
    const moved = await storeAttempts(db, records)
    for (const record of followUps) {
      if (!moved.has(record.deliveryId)) continue
      const delivery = deliveries.find((candidate) => candidate.id === record.deliveryId)
      if (record.failureReason === 'endpoint_gone' && delivery !== undefined)
        await disableEndpointInTransaction(
          db as Transaction,
          delivery.endpointId,
          `the receiver answered 410 Gone to delivery ${delivery.id}`,
        )
      if (record.nextAttemptAt !== null)
        await context.queue.enqueue(
          db as Transaction,
          { id: record.deliveryId, endpointId: delivery?.endpointId as string },
          new Date(record.nextAttemptAt),
        )
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
