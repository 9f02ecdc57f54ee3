import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { listApiKeys, toApiKeyView } from '../../../otecs/api-keys.ts'
import { createOtec } from '../../../otecs/create-otec.ts'
import { InvalidOtecError, OtecExistsError } from '../../../otecs/otec-input.ts'
import { toOtecView } from '../../../otecs/otec-view.ts'
import { updateOtec } from '../../../otecs/update-otec.ts'
import { isUuid } from '../../../sessions/session-id.ts'
import { type ApiResult, problemResult, sendResult } from '../../api-result.ts'
import { problemResponses } from '../../schemas/problem.ts'
import {
  createdOtecSchema,
  createOtecBodySchema,
  otecParamsSchema,
  otecSchema,
  otecWithKeysSchema,
  updateOtecBodySchema,
} from '../../schemas/otec.ts'
import type { GatewayServices } from '../../services.ts'

export const ADMIN_ROUTE = { tags: ['admin'], security: [{ adminApiKey: [] }] }

/**
 * Registers the admin API: OTECs and their API keys, for the holder of
 * ADMIN_API_KEY. The CLI's `otec` commands do the same from a shell.
 */
export async function adminOtecRoutes(
  instance: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>()
  const { prisma } = services.db

  const findOtec = (id: string) =>
    isUuid(id) ? prisma.otec.findUnique({ where: { id } }) : Promise.resolve(null)
  const withKeys = async (otec: Parameters<typeof toOtecView>[0]) => ({
    ...toOtecView(otec),
    apiKeys: (await listApiKeys(prisma, otec.id)).map(toApiKeyView),
  })

  app.post(
    '/v1/admin/otecs',
    {
      schema: {
        ...ADMIN_ROUTE,
        summary: 'Register an OTEC',
        description:
          'Returns its first API key, and the webhook secret when webhookUrl is given, this once.',
        body: createOtecBodySchema,
        response: {
          201: createdOtecSchema,
          ...problemResponses('already-exists', 'validation-error'),
        },
      },
    },
    async (request, reply) => {
      try {
        const created = await createOtec(prisma, services.secrets, request.body)
        request.log.info({ otecId: created.otec.id }, 'OTEC registered')
        return reply.code(201).send({
          otec: toOtecView(created.otec),
          apiKey: created.apiKey,
          webhookSecret: created.webhookSecret,
        })
      } catch (error) {
        return sendResult(reply, otecProblem(request, error))
      }
    },
  )

  app.get(
    '/v1/admin/otecs',
    {
      schema: {
        ...ADMIN_ROUTE,
        summary: 'List OTECs',
        response: { 200: z.object({ data: z.array(otecSchema) }), ...problemResponses() },
      },
    },
    async () => {
      const otecs = await prisma.otec.findMany({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })
      return { data: otecs.map(toOtecView) }
    },
  )

  app.get(
    '/v1/admin/otecs/:id',
    {
      schema: {
        ...ADMIN_ROUTE,
        summary: 'Read an OTEC with its API keys',
        params: otecParamsSchema,
        response: { 200: otecWithKeysSchema, ...problemResponses('not-found') },
      },
    },
    async (request, reply) => {
      const otec = await findOtec(request.params.id)
      if (otec === null) return sendResult(reply, otecNotFound(request, request.params.id))
      return withKeys(otec)
    },
  )

  app.patch(
    '/v1/admin/otecs/:id',
    {
      schema: {
        ...ADMIN_ROUTE,
        summary: 'Change an OTEC’s settings',
        description:
          'Changing the environment stops the API keys of the other environment, since a key’s prefix must tell its environment: issue new keys afterwards.',
        params: otecParamsSchema,
        body: updateOtecBodySchema,
        response: {
          200: otecWithKeysSchema,
          ...problemResponses('not-found', 'validation-error'),
        },
      },
    },
    async (request, reply) => {
      try {
        const updated = await updateOtec(prisma, services.secrets, request.params.id, request.body)
        if (updated === null) return sendResult(reply, otecNotFound(request, request.params.id))
        request.log.info(
          { otecId: updated.otec.id, changed: Object.keys(request.body) },
          'OTEC updated',
        )
        return withKeys(updated.otec)
      } catch (error) {
        return sendResult(reply, otecProblem(request, error))
      }
    },
  )
}

export function otecNotFound(request: FastifyRequest, id: string): ApiResult {
  return problemResult(request, 'not-found', `No OTEC ${id}.`)
}

/** Turns the domain errors of create and update into problems; anything else is rethrown. */
function otecProblem(request: FastifyRequest, error: unknown): ApiResult {
  if (error instanceof InvalidOtecError) {
    return problemResult(request, 'validation-error', error.message, {
      errors: error.problems.map((problem) => ({ ...problem, senceCode: null })),
    })
  }
  if (error instanceof OtecExistsError)
    return problemResult(request, 'already-exists', error.message, { otecId: error.existingId })
  throw error
}
