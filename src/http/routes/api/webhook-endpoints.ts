import type { FastifyInstance, FastifyReply } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  createEndpoint,
  DEFAULT_ROTATION_OVERLAP_SECONDS,
  findEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  sendTestEvent,
  updateEndpoint,
  type EndpointProblem,
} from '../../../webhooks/endpoints.ts'
import { WEBHOOK_EVENT_TYPES } from '../../../webhooks/record-event.ts'
import { toEndpointView } from '../../../webhooks/views.ts'
import { sendProblem } from '../../problem.ts'
import { problemResponses } from '../../schemas/problem.ts'
import { webhookEndpointSchema, webhookEndpointWithSecretSchema } from '../../schemas/webhook.ts'
import type { GatewayServices } from '../../services.ts'

const endpointParams = z.object({ id: z.string().describe('The webhook endpoint id (a UUID).') })

const eventTypes = z
  .array(z.string())
  .describe(`Event types to send (${WEBHOOK_EVENT_TYPES.join(', ')}); empty or absent: every type.`)

const createBody = z.strictObject({
  url: z.string().describe('Where the gateway POSTs signed webhooks; https in production.'),
  eventTypes: eventTypes.optional(),
})

const updateBody = z.strictObject({
  url: z.string().optional(),
  eventTypes: eventTypes.optional(),
  enabled: z
    .boolean()
    .optional()
    .describe(
      'false disables the endpoint and fails its pending deliveries; true enables it again.',
    ),
})

const rotateBody = z.strictObject({
  overlapSeconds: z
    .number()
    .int()
    .optional()
    .describe(
      `How long the old secret keeps signing next to the new one (default ${DEFAULT_ROTATION_OVERLAP_SECONDS}, at most a week).`,
    ),
})

/** The webhook endpoints of the API key's OTEC: /v1/webhook-endpoints. */
export async function webhookEndpointRoutes(
  instance: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>()
  const { prisma } = services.db
  const { settings, secrets } = services
  const tags = ['webhooks']

  app.post(
    '/v1/webhook-endpoints',
    {
      schema: {
        tags,
        summary: 'Register a webhook endpoint',
        body: createBody,
        response: {
          201: webhookEndpointWithSecretSchema,
          ...problemResponses('validation-error', 'webhook-conflict'),
        },
      },
    },
    async (request, reply) => {
      const created = await createEndpoint(prisma, secrets, settings, request.otec.id, request.body)
      if (!created.ok) return sendEndpointFailure(reply, created, '')
      const { endpoint, secret } = created.value
      request.log.info({ endpointId: endpoint.id }, 'webhook endpoint created')
      return reply.code(201).send({ ...toEndpointView(endpoint), secret })
    },
  )

  app.get(
    '/v1/webhook-endpoints',
    {
      schema: {
        tags,
        summary: 'List webhook endpoints',
        response: {
          200: z.object({ endpoints: z.array(webhookEndpointSchema) }),
          ...problemResponses(),
        },
      },
    },
    async (request) => ({
      endpoints: (await listEndpoints(prisma, request.otec.id)).map(toEndpointView),
    }),
  )

  app.get(
    '/v1/webhook-endpoints/:id',
    {
      schema: {
        tags,
        summary: 'Read a webhook endpoint',
        params: endpointParams,
        response: { 200: webhookEndpointSchema, ...problemResponses('not-found') },
      },
    },
    async (request, reply) => {
      const endpoint = await findEndpoint(prisma, request.otec.id, request.params.id)
      if (endpoint === null) return endpointNotFound(reply, request.params.id)
      return toEndpointView(endpoint)
    },
  )

  app.patch(
    '/v1/webhook-endpoints/:id',
    {
      schema: {
        tags,
        summary: 'Change, disable or enable a webhook endpoint',
        params: endpointParams,
        body: updateBody,
        response: {
          200: webhookEndpointSchema,
          ...problemResponses('not-found', 'validation-error', 'webhook-conflict'),
        },
      },
    },
    async (request, reply) => {
      const updated = await updateEndpoint(
        prisma,
        settings,
        request.otec.id,
        request.params.id,
        request.body,
      )
      if (!updated.ok) return sendEndpointFailure(reply, updated, request.params.id)
      request.log.info(
        { endpointId: updated.value.id, enabled: updated.value.enabled },
        'webhook endpoint updated',
      )
      return toEndpointView(updated.value)
    },
  )

  app.post(
    '/v1/webhook-endpoints/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: 'Give a webhook endpoint a new secret',
        params: endpointParams,
        body: rotateBody.optional(),
        response: {
          200: webhookEndpointWithSecretSchema,
          ...problemResponses('not-found', 'validation-error', 'webhook-conflict'),
        },
      },
    },
    async (request, reply) => {
      const rotated = await rotateEndpointSecret(
        prisma,
        secrets,
        request.otec.id,
        request.params.id,
        request.body?.overlapSeconds,
      )
      if (!rotated.ok) return sendEndpointFailure(reply, rotated, request.params.id)
      request.log.info({ endpointId: rotated.value.endpoint.id }, 'webhook secret rotated')
      return { ...toEndpointView(rotated.value.endpoint), secret: rotated.value.secret }
    },
  )

  app.post(
    '/v1/webhook-endpoints/:id/test',
    {
      schema: {
        tags,
        summary: 'Send a webhook.test event to an endpoint',
        params: endpointParams,
        response: {
          202: z.object({ webhookId: z.string(), deliveryId: z.string() }),
          ...problemResponses('not-found', 'webhook-conflict'),
        },
      },
    },
    async (request, reply) => {
      const sent = await sendTestEvent(prisma, request.otec.id, request.params.id)
      if (!sent.ok) return sendEndpointFailure(reply, sent, request.params.id)
      request.log.info(
        { endpointId: request.params.id, deliveryId: sent.value.deliveryId },
        'webhook test event recorded',
      )
      return reply
        .code(202)
        .send({ webhookId: sent.value.eventId, deliveryId: sent.value.deliveryId })
    },
  )
}

function sendEndpointFailure(
  reply: FastifyReply,
  failure:
    | { reason: 'not_found' }
    | { reason: 'invalid'; problems: EndpointProblem[] }
    | { reason: 'disabled' },
  endpointId: string,
) {
  switch (failure.reason) {
    case 'not_found':
      return endpointNotFound(reply, endpointId)
    case 'invalid':
      return sendProblem(
        reply,
        'validation-error',
        `${failure.problems.length} field(s) are invalid; see errors.`,
        { errors: failure.problems.map((problem) => ({ ...problem, senceCode: null })) },
      )
    case 'disabled':
      return sendProblem(
        reply,
        'webhook-conflict',
        `Webhook endpoint ${endpointId} is disabled; enable it with PATCH {"enabled": true} first.`,
      )
  }
}

function endpointNotFound(reply: FastifyReply, id: string) {
  return sendProblem(reply, 'not-found', `No webhook endpoint ${id} for this API key's OTEC.`)
}
