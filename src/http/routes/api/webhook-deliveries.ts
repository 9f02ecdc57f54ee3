import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { isUuid } from '../../../sessions/session-id.ts'
import {
  DELIVERY_STATUSES,
  getDelivery,
  InvalidCursorError,
  listDeliveries,
  listSessionWebhookEvents,
  redeliver,
} from '../../../webhooks/delivery-log.ts'
import { webhookBody } from '../../../webhooks/webhook-body.ts'
import { toAttemptView, toDeliveryView } from '../../../webhooks/views.ts'
import { sendProblem } from '../../problem.ts'
import { problemResponses } from '../../schemas/problem.ts'
import {
  sessionWebhookEventsSchema,
  webhookDeliveryDetailSchema,
  webhookDeliverySchema,
} from '../../schemas/webhook.ts'
import type { GatewayServices } from '../../services.ts'

const MAX_PAGE_SIZE = 100

const listQuery = z.strictObject({
  status: z.enum(DELIVERY_STATUSES).optional(),
  endpointId: z.string().optional().describe('A webhook endpoint id (a UUID).'),
  eventType: z.string().optional(),
  sessionId: z.string().optional().describe('A session id (a UUID).'),
  from: z.iso.datetime({ offset: true }).optional().describe('Created at or after this instant.'),
  to: z.iso.datetime({ offset: true }).optional().describe('Created before this instant.'),
  cursor: z.string().optional().describe('The nextCursor of the previous page.'),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
})

const idParams = z.object({ id: z.string().describe('The id (a UUID).') })

/**
 * The delivery log: GET /v1/webhook-deliveries (filters and a cursor),
 * GET /v1/webhook-deliveries/{id} (with every attempt), POST
 * /v1/webhook-deliveries/{id}/redeliver, and GET
 * /v1/sessions/{id}/webhook-events (a session's events and their deliveries).
 */
export async function webhookDeliveryRoutes(
  instance: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>()
  const { prisma } = services.db
  const tags = ['webhooks']

  app.get(
    '/v1/webhook-deliveries',
    {
      schema: {
        tags,
        summary: 'List webhook deliveries, newest first',
        querystring: listQuery,
        response: {
          200: z.object({
            deliveries: z.array(webhookDeliverySchema),
            nextCursor: z.string().nullable(),
          }),
          ...problemResponses(),
        },
      },
    },
    async (request, reply) => {
      const { cursor, limit, from, to, ...filters } = request.query
      // Checked here rather than in the schema so that the problem names the value sent.
      for (const field of ['endpointId', 'sessionId'] as const) {
        const value = filters[field]
        if (value !== undefined && !isUuid(value)) {
          const detail = `${field} "${value}" is not a UUID. Pass an id that the API returned, or leave ${field} out.`
          return sendProblem(reply, 'invalid-request', detail, {
            errors: [{ field, senceCode: null, detail }],
          })
        }
      }
      try {
        const page = await listDeliveries(
          prisma,
          request.otec.id,
          {
            ...filters,
            from: from === undefined ? undefined : new Date(from),
            to: to === undefined ? undefined : new Date(to),
          },
          { cursor, limit },
        )
        return { deliveries: page.deliveries.map(toDeliveryView), nextCursor: page.nextCursor }
      } catch (error) {
        if (error instanceof InvalidCursorError)
          return sendProblem(reply, 'invalid-request', `${error.message}; start again without it.`)
        throw error
      }
    },
  )

  app.get(
    '/v1/webhook-deliveries/:id',
    {
      schema: {
        tags,
        summary: 'Read a delivery with its attempts',
        params: idParams,
        response: { 200: webhookDeliveryDetailSchema, ...problemResponses('not-found') },
      },
    },
    async (request, reply) => {
      const delivery = await getDelivery(prisma, request.otec.id, request.params.id)
      if (delivery === null) return deliveryNotFound(reply, request.params.id)
      return {
        ...toDeliveryView(delivery),
        endpoint: delivery.endpoint,
        body: webhookBody(delivery.event.payload),
        attempts: delivery.attempts.map(toAttemptView),
      }
    },
  )

  app.post(
    '/v1/webhook-deliveries/:id/redeliver',
    {
      schema: {
        tags,
        summary: 'Send a succeeded or failed delivery again, with the same webhook-id',
        params: idParams,
        response: {
          202: webhookDeliverySchema,
          ...problemResponses('not-found', 'webhook-conflict'),
        },
      },
    },
    async (request, reply) => {
      const result = await redeliver(prisma, request.otec.id, request.params.id)
      if (result.ok) {
        request.log.info({ deliveryId: result.delivery.id }, 'webhook redelivery requested')
        return reply.code(202).send(toDeliveryView(result.delivery))
      }
      switch (result.reason) {
        case 'not_found':
          return deliveryNotFound(reply, request.params.id)
        case 'pending':
          return sendProblem(
            reply,
            'webhook-conflict',
            `Delivery ${request.params.id} is still pending; its next attempt is at ${result.nextAttemptAt?.toISOString() ?? 'once a worker takes it'}.`,
          )
        case 'endpoint_disabled':
          return sendProblem(
            reply,
            'webhook-conflict',
            `The endpoint of delivery ${request.params.id} is disabled; enable endpoint ${result.endpointId} first.`,
          )
      }
    },
  )

  app.get(
    '/v1/sessions/:id/webhook-events',
    {
      schema: {
        tags: ['sessions', 'webhooks'],
        summary: "A session's webhook events with the state of their deliveries",
        params: idParams,
        response: { 200: sessionWebhookEventsSchema, ...problemResponses('not-found') },
      },
    },
    async (request, reply) => {
      const events = await listSessionWebhookEvents(prisma, request.otec.id, request.params.id)
      if (events === null)
        return sendProblem(
          reply,
          'not-found',
          `No session ${request.params.id} for this API key's OTEC.`,
        )
      return {
        events: events.map((event) => ({
          webhookId: event.id,
          type: event.type,
          createdAt: event.createdAt.toISOString(),
          deliveries: event.deliveries.map(toDeliveryView),
        })),
      }
    },
  )
}

function deliveryNotFound(reply: FastifyReply, id: string) {
  return sendProblem(reply, 'not-found', `No webhook delivery ${id} for this API key's OTEC.`)
}
