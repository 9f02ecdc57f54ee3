import { randomBytes } from 'node:crypto'
import type { Transaction } from '../persistence/database.ts'
import type { Prisma } from '../persistence/generated/client.ts'
import { registeredDeliveryQueue, type DeliveryQueue } from './delivery-queue.ts'

/** The event types a session's webhooks carry. */
export const WEBHOOK_EVENT_TYPES = [
  'session.started',
  'session.start_failed',
  'session.closed',
  'session.close_failed',
  'session.expired',
] as const

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]

/** The event type of the test message that an OTEC sends to one endpoint on request. */
export const TEST_EVENT_TYPE = 'webhook.test'

/** The body of every webhook: Standard Webhooks' recommended envelope. */
export interface WebhookPayload {
  type: WebhookEventType | typeof TEST_EVENT_TYPE
  timestamp: string
  data: unknown
}

/** Generates a webhook id: `msg_` and 128 random bits, as in Standard Webhooks' examples. */
export function generateWebhookId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`
}

export interface RecordedWebhookEvent {
  eventId: string
  deliveryIds: string[]
}

/**
 * Records a webhook event and one pending delivery per enabled endpoint of
 * the OTEC that subscribes to its type, inside the caller's transaction: the
 * state change, its notification and the queue jobs that wake a worker
 * commit or roll back together (a transactional outbox). Jobs go through
 * `queue`, by default the one the process registered; without one the
 * worker's sweep enqueues the deliveries instead.
 */
export async function recordWebhookEvent(
  tx: Transaction,
  event: {
    otecId: string
    sessionId: string | null
    type: WebhookEventType
    data: unknown
    at?: Date
  },
  queue: DeliveryQueue | null = registeredDeliveryQueue(),
): Promise<RecordedWebhookEvent> {
  const endpoints = await tx.webhookEndpoint.findMany({
    where: {
      otecId: event.otecId,
      enabled: true,
      OR: [{ eventTypes: { isEmpty: true } }, { eventTypes: { has: event.type } }],
    },
    select: { id: true },
  })
  return recordEventFor(
    tx,
    event,
    endpoints.map((endpoint) => endpoint.id),
    queue,
  )
}

/**
 * Records a `webhook.test` event for one endpoint of the OTEC, whatever
 * event types it subscribes to, and enqueues its delivery.
 */
export async function recordTestEvent(
  tx: Transaction,
  otecId: string,
  endpointId: string,
  queue: DeliveryQueue | null = registeredDeliveryQueue(),
): Promise<RecordedWebhookEvent> {
  const at = new Date()
  return recordEventFor(
    tx,
    {
      otecId,
      sessionId: null,
      type: TEST_EVENT_TYPE,
      data: { message: 'Test event sent from sence-gateway on request.', endpointId },
      at,
    },
    [endpointId],
    queue,
  )
}

async function recordEventFor(
  tx: Transaction,
  event: {
    otecId: string
    sessionId: string | null
    type: WebhookPayload['type']
    data: unknown
    at?: Date
  },
  endpointIds: string[],
  queue: DeliveryQueue | null,
): Promise<RecordedWebhookEvent> {
  const at = event.at ?? new Date()
  const payload: WebhookPayload = {
    type: event.type,
    timestamp: at.toISOString(),
    data: event.data,
  }
  const eventId = generateWebhookId()

  await tx.webhookEvent.create({
    data: {
      id: eventId,
      otecId: event.otecId,
      sessionId: event.sessionId,
      type: event.type,
      payload: payload as unknown as Prisma.InputJsonValue,
      createdAt: at,
    },
  })

  const deliveryIds: string[] = []
  for (const endpointId of endpointIds) {
    const delivery = await tx.webhookDelivery.create({
      data: { eventId, endpointId, otecId: event.otecId, nextAttemptAt: at },
      select: { id: true },
    })
    deliveryIds.push(delivery.id)
    await queue?.enqueue(tx, { id: delivery.id, endpointId }, at)
  }
  return { eventId, deliveryIds }
}
