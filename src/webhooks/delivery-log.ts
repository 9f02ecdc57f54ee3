// The delivery log of an OTEC: deliveries with their attempts, filtered and
// paged by cursor, the events of a session with their delivery state, and
// redelivery. Every query is scoped to the OTEC.

import type { PrismaClient } from '../persistence/database.ts'
import type { Prisma } from '../persistence/generated/client.ts'
import { isUuid } from '../sessions/session-id.ts'
import { registeredDeliveryQueue, type DeliveryQueue } from './delivery-queue.ts'

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const
export type DeliveryStatusName = (typeof DELIVERY_STATUSES)[number]

export interface DeliveryFilters {
  status?: DeliveryStatusName | undefined
  endpointId?: string | undefined
  eventType?: string | undefined
  sessionId?: string | undefined
  /** Only deliveries created at or after this instant. */
  from?: Date | undefined
  /** Only deliveries created before this instant. */
  to?: Date | undefined
}

const deliveryInclude = {
  event: { select: { id: true, type: true, sessionId: true, createdAt: true } },
} as const

export type LoggedDelivery = Prisma.WebhookDeliveryGetPayload<{ include: typeof deliveryInclude }>

export interface DeliveryPage {
  deliveries: LoggedDelivery[]
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null
}

/** The nil UUID, which no row has: gen_random_uuid() and randomUUID() make version 4 UUIDs. */
const NO_SUCH_ID = '00000000-0000-0000-0000-000000000000'

/** Raised for a cursor that this service did not write. */
export class InvalidCursorError extends Error {}

/** Lists deliveries, newest first, `limit` at a time. */
export async function listDeliveries(
  prisma: PrismaClient,
  otecId: string,
  filters: DeliveryFilters,
  page: { cursor?: string | undefined; limit: number },
): Promise<DeliveryPage> {
  const after = page.cursor === undefined ? null : decodeCursor(page.cursor)
  // The id columns are PostgreSQL uuids, which reject any other text with an
  // error, so an id that is not a UUID is replaced by one that matches nothing.
  const matchable = (id: string) => (isUuid(id) ? id : NO_SUCH_ID)
  const where: Prisma.WebhookDeliveryWhereInput = {
    otecId,
    ...(filters.status === undefined ? {} : { status: filters.status }),
    ...(filters.endpointId === undefined ? {} : { endpointId: matchable(filters.endpointId) }),
    ...(filters.eventType === undefined && filters.sessionId === undefined
      ? {}
      : {
          event: {
            ...(filters.eventType === undefined ? {} : { type: filters.eventType }),
            ...(filters.sessionId === undefined ? {} : { sessionId: matchable(filters.sessionId) }),
          },
        }),
    createdAt: {
      ...(filters.from === undefined ? {} : { gte: filters.from }),
      ...(filters.to === undefined ? {} : { lt: filters.to }),
    },
    ...(after === null
      ? {}
      : {
          OR: [
            { createdAt: { lt: after.createdAt } },
            { createdAt: after.createdAt, id: { lt: after.id } },
          ],
        }),
  }
  const rows = await prisma.webhookDelivery.findMany({
    where,
    include: deliveryInclude,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: page.limit + 1,
  })
  const deliveries = rows.slice(0, page.limit)
  const last = deliveries.at(-1)
  return {
    deliveries,
    nextCursor: rows.length > page.limit && last !== undefined ? encodeCursor(last) : null,
  }
}

/** Returns one delivery with its event's payload and every attempt, or null. */
export async function getDelivery(prisma: PrismaClient, otecId: string, deliveryId: string) {
  if (!isUuid(deliveryId)) return null
  return prisma.webhookDelivery.findFirst({
    where: { id: deliveryId, otecId },
    include: {
      event: true,
      endpoint: { select: { id: true, url: true, enabled: true } },
      attempts: { orderBy: { attemptNumber: 'asc' } },
    },
  })
}

export type RedeliverResult =
  | { ok: true; delivery: LoggedDelivery }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'pending'; nextAttemptAt: Date | null }
  | { ok: false; reason: 'endpoint_disabled'; endpointId: string }

/**
 * Sends a succeeded or failed delivery again: it becomes pending, due now,
 * with the same webhook-id. A failure is retried while the delivery has
 * attempts left of its schedule (counting the earlier ones). A pending
 * delivery is already scheduled and is left alone.
 */
export async function redeliver(
  prisma: PrismaClient,
  otecId: string,
  deliveryId: string,
  queue: DeliveryQueue | null = registeredDeliveryQueue(),
): Promise<RedeliverResult> {
  if (!isUuid(deliveryId)) return { ok: false, reason: 'not_found' }
  return prisma.$transaction(async (tx) => {
    const delivery = await tx.webhookDelivery.findFirst({
      where: { id: deliveryId, otecId },
      include: { endpoint: { select: { enabled: true } } },
    })
    if (delivery === null) return { ok: false, reason: 'not_found' } as const
    if (!delivery.endpoint.enabled)
      return { ok: false, reason: 'endpoint_disabled', endpointId: delivery.endpointId } as const

    const now = new Date()
    const reopened = await tx.webhookDelivery.updateMany({
      where: { id: delivery.id, status: { not: 'pending' } },
      data: { status: 'pending', nextAttemptAt: now, failureReason: null },
    })
    if (reopened.count === 0)
      return { ok: false, reason: 'pending', nextAttemptAt: delivery.nextAttemptAt } as const
    await queue?.reschedule(tx, delivery, now)

    const updated = await tx.webhookDelivery.findUniqueOrThrow({
      where: { id: delivery.id },
      include: deliveryInclude,
    })
    return { ok: true, delivery: updated } as const
  })
}

/** Returns a session's webhook events with the state of each delivery, or null for an unknown session. */
export async function listSessionWebhookEvents(
  prisma: PrismaClient,
  otecId: string,
  sessionId: string,
) {
  if (!isUuid(sessionId)) return null
  const session = await prisma.session.findFirst({
    where: { id: sessionId, otecId },
    select: { id: true },
  })
  if (session === null) return null
  return prisma.webhookEvent.findMany({
    where: { sessionId, otecId },
    orderBy: { createdAt: 'asc' },
    include: { deliveries: { include: deliveryInclude, orderBy: { createdAt: 'asc' } } },
  })
}

function encodeCursor(delivery: { createdAt: Date; id: string }): string {
  return Buffer.from(`${delivery.createdAt.toISOString()}|${delivery.id}`).toString('base64url')
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [instant, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|')
  const createdAt = new Date(instant ?? '')
  if (id === undefined || !isUuid(id) || Number.isNaN(createdAt.getTime()))
    throw new InvalidCursorError(`cursor "${cursor}" is not one this API returned`)
  return { createdAt, id }
}
