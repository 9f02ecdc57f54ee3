// Webhook endpoints, deliveries and attempts as the REST API and the
// command line show them. Secrets never appear here: a secret is returned
// only by the call that creates it.

import type { WebhookAttempt, WebhookEndpoint } from '../persistence/generated/client.ts'
import type { LoggedDelivery } from './delivery-log.ts'

export function toEndpointView(endpoint: WebhookEndpoint) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    eventTypes: endpoint.eventTypes,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    disabledAt: endpoint.disabledAt?.toISOString() ?? null,
    /** Until when the secret before the last rotation still signs, next to the current one. */
    previousSecretExpiresAt:
      endpoint.previousSecretExpiresAt !== null && endpoint.previousSecretExpiresAt > new Date()
        ? endpoint.previousSecretExpiresAt.toISOString()
        : null,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  }
}

export function toDeliveryView(delivery: LoggedDelivery) {
  return {
    id: delivery.id,
    webhookId: delivery.eventId,
    eventType: delivery.event.type,
    sessionId: delivery.event.sessionId,
    endpointId: delivery.endpointId,
    status: delivery.status,
    failureReason: delivery.failureReason,
    attemptCount: delivery.attemptCount,
    lastAttemptAt: delivery.lastAttemptAt?.toISOString() ?? null,
    lastStatusCode: delivery.lastStatusCode,
    lastError: delivery.lastError,
    nextAttemptAt:
      delivery.status === 'pending' ? (delivery.nextAttemptAt?.toISOString() ?? null) : null,
    createdAt: delivery.createdAt.toISOString(),
  }
}

export function toAttemptView(attempt: WebhookAttempt) {
  return {
    attemptNumber: attempt.attemptNumber,
    outcome: attempt.outcome,
    url: attempt.url,
    startedAt: attempt.startedAt.toISOString(),
    durationMs: attempt.durationMs,
    statusCode: attempt.statusCode,
    error: attempt.error,
    responseExcerpt: attempt.responseExcerpt,
  }
}
