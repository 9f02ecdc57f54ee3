// The REST API's shapes of webhook endpoints, deliveries and attempts, as
// src/webhooks/views.ts builds them. They document /openapi.json and check
// what the routes send.

import { z } from 'zod'

const instant = z.string().describe('An ISO 8601 instant.')

export const webhookEndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    eventTypes: z.array(z.string()).describe('The event types sent; empty means every type.'),
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    disabledAt: instant.nullable(),
    previousSecretExpiresAt: instant
      .nullable()
      .describe('Until when the secret before the last rotation still signs, next to the new one.'),
    createdAt: instant,
    updatedAt: instant,
  })
  .meta({ id: 'WebhookEndpoint' })

export const webhookEndpointWithSecretSchema = webhookEndpointSchema
  .extend({
    secret: z.string().describe('The `whsec_` signing secret, shown only in this response.'),
  })
  .meta({ id: 'WebhookEndpointWithSecret' })

export const webhookDeliverySchema = z
  .object({
    id: z.string(),
    webhookId: z.string().describe('The `webhook-id` header: the same on every attempt.'),
    eventType: z.string(),
    sessionId: z.string().nullable(),
    endpointId: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    failureReason: z.string().nullable(),
    attemptCount: z.int(),
    lastAttemptAt: instant.nullable(),
    lastStatusCode: z.int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: instant.nullable(),
    createdAt: instant,
  })
  .meta({ id: 'WebhookDelivery' })

export const webhookAttemptSchema = z
  .object({
    attemptNumber: z.int(),
    outcome: z.string(),
    url: z.string(),
    startedAt: instant,
    durationMs: z.int(),
    statusCode: z.int().nullable(),
    error: z.string().nullable(),
    responseExcerpt: z.string().nullable().describe('The first bytes of the response body.'),
  })
  .meta({ id: 'WebhookAttempt' })

export const webhookDeliveryDetailSchema = webhookDeliverySchema
  .extend({
    endpoint: z.object({ id: z.string(), url: z.string(), enabled: z.boolean() }),
    body: z.string().describe('The signed body, exactly as sent.'),
    attempts: z.array(webhookAttemptSchema),
  })
  .meta({ id: 'WebhookDeliveryDetail' })

export const sessionWebhookEventsSchema = z.object({
  events: z.array(
    z.object({
      webhookId: z.string(),
      type: z.string(),
      createdAt: instant,
      deliveries: z.array(webhookDeliverySchema),
    }),
  ),
})
