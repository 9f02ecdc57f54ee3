// One delivery attempt from claim to record: the worker's job handler.
//
// 1. Claim: one conditional UPDATE takes a lease on a pending delivery that
//    is due and not leased. Two workers (or a job the queue delivered twice)
//    cannot both win it, so one event is never sent twice at the same time.
// 2. Send: sign with a fresh timestamp, POST, and get an AttemptResult.
// 3. Record: in one transaction, store the attempt, move the delivery
//    (succeeded, failed, or pending with its next attempt) and enqueue the
//    job of the next attempt.
//
// A crash between 2 and 3 leaves the lease to expire; the sweep then
// enqueues the delivery again, and the receiver may get the same webhook-id
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

interface Claim {
  token: string
  claimedAt: Date
  claimedAtMs: number
}

/** Claims, sends and records one attempt of a delivery. Throws only when the database fails. */
export async function processDelivery(
  context: DeliveryContext,
  deliveryId: string,
): Promise<DeliveryRun> {
  const claim = await claimDelivery(context, deliveryId)
  if (claim === null) return explainUnclaimed(context, deliveryId)

  const delivery = await context.prisma.webhookDelivery.findUniqueOrThrow({
    where: { id: deliveryId },
    include: { event: true, endpoint: true },
  })
  const { endpoint, event } = delivery
  if (!endpoint.enabled) {
    await context.prisma.webhookDelivery.updateMany({
      where: { id: deliveryId, leaseToken: claim.token },
      data: {
        status: 'failed',
        failureReason: 'endpoint_disabled',
        nextAttemptAt: null,
        leaseToken: null,
        leaseExpiresAt: null,
      },
    })
    context.logger.info(
      { deliveryId, endpointId: endpoint.id },
      'webhook endpoint disabled; delivery failed',
    )
    return { kind: 'endpoint_disabled' }
  }

  const body = webhookBody(event.payload)
  const timestampSeconds = Math.floor(Date.now() / 1000)
  const headers = signedHeaders(
    signingSecrets(context.secrets, endpoint, new Date()),
    event.id,
    timestampSeconds,
    body,
  )
  const result = await context.sender.send({ url: endpoint.url, body, headers: { ...headers } })

  const report = await recordAttempt(context, claim, delivery, result)
  if (report === null) return { kind: 'lease_lost' }
  logAttempt(context.logger, report)
  try {
    context.onAttempt?.(report)
  } catch (error) {
    context.logger.error({ err: error, deliveryId }, 'webhook attempt listener failed')
  }
  return { kind: 'attempted', report }
}

async function claimDelivery(context: DeliveryContext, deliveryId: string): Promise<Claim | null> {
  const token = randomUUID()
  const rows = await context.prisma.$queryRaw<{ claimedAt: Date }[]>`
    UPDATE "WebhookDelivery"
       SET "leaseToken" = ${token}::uuid,
           "leaseExpiresAt" = now() + ${context.leaseMs} * interval '1 millisecond',
           "updatedAt" = now()
     WHERE "id" = ${deliveryId}::uuid
       AND "status" = 'pending'
       AND ("nextAttemptAt" IS NULL OR "nextAttemptAt" <= now())
       AND ("leaseExpiresAt" IS NULL OR "leaseExpiresAt" <= now())
    RETURNING now() AS "claimedAt"`
  const [row] = rows
  if (row === undefined) return null
  return { token, claimedAt: row.claimedAt, claimedAtMs: performance.now() }
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
    { status: string; nextAttemptAt: Date | null; leased: boolean | null }[]
  >`
    SELECT "status"::text AS "status", "nextAttemptAt",
           "leaseExpiresAt" > now() AS "leased"
      FROM "WebhookDelivery" WHERE "id" = ${deliveryId}::uuid`
  if (state === undefined || state.status !== 'pending') return { kind: 'not_pending' }
  if (state.leased === true) return { kind: 'leased' }
  if (state.nextAttemptAt !== null) {
    await context.queue.reschedule(null, deliveryId, state.nextAttemptAt)
  }
  return { kind: 'not_due' }
}

type LoadedDelivery = Prisma.WebhookDeliveryGetPayload<{ include: { event: true; endpoint: true } }>

async function recordAttempt(
  context: DeliveryContext,
  claim: Claim,
  delivery: LoadedDelivery,
  result: AttemptResult,
): Promise<AttemptReport | null> {
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
  const databaseNow = claim.claimedAt.getTime() + (performance.now() - claim.claimedAtMs)
  const nextAttemptAt =
    retryDelay === null ? null : new Date(Math.ceil(databaseNow + retryDelay * 1000))
  const deliveryStatus =
    result.outcome === 'succeeded' ? 'succeeded' : nextAttemptAt === null ? 'failed' : 'pending'
  const failureReason =
    deliveryStatus !== 'failed'
      ? null
      : gone
        ? 'endpoint_gone'
        : blocked
          ? 'target_blocked'
          : 'attempts_exhausted'

  const recorded = await context.prisma.$transaction(async (tx: Transaction) => {
    await tx.webhookAttempt.create({
      data: {
        deliveryId: delivery.id,
        attemptNumber,
        outcome: result.outcome,
        url: delivery.endpoint.url,
        startedAt: result.startedAt,
        durationMs: result.durationMs,
        statusCode: result.statusCode,
        error: result.error,
        responseExcerpt: result.responseExcerpt,
      },
    })
    const moved = await tx.webhookDelivery.updateMany({
      where: { id: delivery.id, leaseToken: claim.token },
      data: {
        status: deliveryStatus,
        attemptCount: { increment: 1 },
        lastAttemptAt: result.startedAt,
        lastStatusCode: result.statusCode,
        lastError: result.error,
        nextAttemptAt,
        failureReason,
        leaseToken: null,
        leaseExpiresAt: null,
      },
    })
    if (moved.count === 0) return false

    if (gone) {
      await disableEndpointInTransaction(
        tx,
        delivery.endpointId,
        `the receiver answered 410 Gone to delivery ${delivery.id}`,
      )
    }
    if (nextAttemptAt !== null) await context.queue.enqueue(tx, delivery.id, nextAttemptAt)
    return true
  })

  if (!recorded) {
    context.logger.warn(
      { deliveryId: delivery.id, attemptNumber },
      'webhook delivery lease expired before the attempt was recorded; another worker took it over',
    )
    return null
  }
  return {
    deliveryId: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.event.type,
    endpointId: delivery.endpointId,
    otecId: delivery.otecId,
    attemptNumber,
    outcome: result.outcome,
    failureKind: result.failureKind,
    statusCode: result.statusCode,
    durationMs: result.durationMs,
    error: result.error,
    deliveryStatus,
    nextAttemptAt,
  }
}

/** The secrets that sign now: the current one, then the previous one while its overlap lasts. */
function signingSecrets(
  secrets: SecretBox,
  endpoint: LoadedDelivery['endpoint'],
  now: Date,
): string[] {
  const signing = [secrets.open(endpoint.secretSealed)]
  if (
    endpoint.previousSecretSealed !== null &&
    endpoint.previousSecretExpiresAt !== null &&
    endpoint.previousSecretExpiresAt > now
  )
    signing.push(secrets.open(endpoint.previousSecretSealed))
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
