import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  issueApiKey,
  listApiKeys,
  revokeApiKey,
  revokeOtherApiKeys,
  toApiKeyView,
} from '../../../otecs/api-keys.ts'
import { isUuid } from '../../../sessions/session-id.ts'
import { problemResult, sendResult } from '../../api-result.ts'
import { problemResponses } from '../../schemas/problem.ts'
import {
  apiKeyParamsSchema,
  apiKeySchema,
  issueApiKeyBodySchema,
  issuedApiKeySchema,
  otecParamsSchema,
} from '../../schemas/otec.ts'
import type { GatewayServices } from '../../services.ts'
import { ADMIN_ROUTE, otecNotFound } from './admin-otecs.ts'

/** Registers the admin API's routes of an OTEC's API keys: list, issue, revoke. */
export async function adminApiKeyRoutes(
  instance: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>()
  const { prisma } = services.db
  const findOtec = (id: string) =>
    isUuid(id) ? prisma.otec.findUnique({ where: { id } }) : Promise.resolve(null)

  app.get(
    '/v1/admin/otecs/:id/api-keys',
    {
      schema: {
        ...ADMIN_ROUTE,
        summary: 'List an OTEC’s API keys',
        params: otecParamsSchema,
        response: {
          200: z.object({ data: z.array(apiKeySchema) }),
          ...problemResponses('not-found'),
        },
      },
    },
    async (request, reply) => {
      const otec = await findOtec(request.params.id)
      if (otec === null) return sendResult(reply, otecNotFound(request, request.params.id))
      return { data: (await listApiKeys(prisma, otec.id)).map(toApiKeyView) }
    },
  )

  app.post(
    '/v1/admin/otecs/:id/api-keys',
    {
      schema: {
        ...ADMIN_ROUTE,
        summary: 'Issue an API key',
        description: 'The key is in the response this once; only its hash is stored.',
        params: otecParamsSchema,
        // fastify hands a missing body to the validator as null.
        body: issueApiKeyBodySchema.nullish(),
        response: { 201: issuedApiKeySchema, ...problemResponses('not-found') },
      },
    },
    async (request, reply) => {
      const otec = await findOtec(request.params.id)
      if (otec === null) return sendResult(reply, otecNotFound(request, request.params.id))
      const { name, revokeOthers } = request.body ?? { revokeOthers: false }
      const { issued, revokedCount } = await prisma.$transaction(async (tx) => {
        const issued = await issueApiKey(tx, otec, name ?? null)
        const revokedCount = revokeOthers
          ? await revokeOtherApiKeys(tx, otec.id, [issued.row.id])
          : 0
        return { issued, revokedCount }
      })
      request.log.info({ otecId: otec.id, keyId: issued.row.id, revokedCount }, 'API key issued')
      return reply
        .code(201)
        .send({ apiKey: issued.apiKey, key: toApiKeyView(issued.row), revokedCount })
    },
  )

  app.delete(
    '/v1/admin/otecs/:id/api-keys/:keyId',
    {
      schema: {
        ...ADMIN_ROUTE,
        summary: 'Revoke an API key',
        description: 'Takes effect at once; revoking a revoked key changes nothing.',
        params: apiKeyParamsSchema,
        response: { 200: apiKeySchema, ...problemResponses('not-found') },
      },
    },
    async (request, reply) => {
      const { id, keyId } = request.params
      const revoked = isUuid(id) && isUuid(keyId) ? await revokeApiKey(prisma, id, keyId) : null
      if (revoked === null)
        return sendResult(
          reply,
          problemResult(request, 'not-found', `OTEC ${id} has no API key ${keyId}.`),
        )
      request.log.info({ otecId: id, keyId }, 'API key revoked')
      return toApiKeyView(revoked)
    },
  )
}
