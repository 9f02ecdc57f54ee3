import { randomBytes } from 'node:crypto'
import type { Transaction } from '../persistence/database.ts'
import type { Prisma } from '../persistence/generated/client.ts'

/** The event types a session's webhooks carry. */
export const WEBHOOK_EVENT_TYPES = [
  'session.started',
  'session.start_failed',
  'session.closed',
  'session.close_failed',
  'session.expired',
] as const

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]

/** The body of every webhook: Standard Webhooks' recommended envelope. */
export interface WebhookPayload {
  type: WebhookEventType | 'webhook.test'
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
 * state change and its notification commit or roll back together (a
 * transactional outbox). The worker sends the deliveries later.
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
): Promise<RecordedWebhookEvent> {
  const at = event.at ?? new Date()
  const payload: WebhookPayload = {
    type: event.type,
    timestamp: at.toISOString(),
    data: event.data,
  }
  const eventId = generateWebhookId()

  const endpoints = await tx.webhookEndpoint.findMany({
    where: {
      otecId: event.otecId,
      enabled: true,
      OR: [{ eventTypes: { isEmpty: true } }, { eventTypes: { has: event.type } }],
    },
    select: { id: true },
  })

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
  for (const endpoint of endpoints) {
    const delivery = await tx.webhookDelivery.create({
      data: { eventId, endpointId: endpoint.id, nextAttemptAt: at },
      select: { id: true },
    })
    deliveryIds.push(delivery.id)
  }
  return { eventId, deliveryIds }
}
