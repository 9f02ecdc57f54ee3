import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { createLoginIntent } from '../../../sessions/create-intent.ts'
import { closeBodySchema, requestClose } from '../../../sessions/request-close.ts'
import { isUuid } from '../../../sessions/session-id.ts'
import { toSessionView } from '../../../sessions/session-view.ts'
import { loginIntentBodySchema } from '../../../sessions/validate-intent.ts'
import type { GatewayServices } from '../../services.ts'
import { sendProblem } from '../../problem.ts'

const sessionParams = z.object({ id: z.string().describe('The session id (a UUID).') })

/** POST /v1/sessions, POST /v1/sessions/{id}/close and GET /v1/sessions/{id}. */
export async function sessionRoutes(
  instance: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>()
  const { prisma } = services.db
  const intentSettings = {
    publicBaseUrl: services.settings.publicBaseUrl,
    pendingTtlSeconds: services.settings.pendingTtlSeconds,
  }

  app.post(
    '/v1/sessions',
    {
      schema: { tags: ['sessions'], summary: 'Create a login intent', body: loginIntentBodySchema },
      // The body is checked by validateLoginIntent, which reports every broken
      // rule with SENCE's code in a 422; the schema documents its shape.
      attachValidation: true,
    },
    async (request, reply) => {
      const senceToken = services.secrets.open(request.otec.senceTokenSealed)
      const created = await createLoginIntent(
        prisma,
        intentSettings,
        request.otec,
        senceToken,
        request.body,
      )
      if (!created.ok) {
        return sendProblem(reply, 'validation-error', describeErrors(created.errors.length), {
          errors: created.errors,
        })
      }
      request.log.info({ sessionId: created.session.id }, 'login intent created')
      return reply.code(201).send({ ...toSessionView(created.session), startUrl: created.startUrl })
    },
  )

  app.post(
    '/v1/sessions/:id/close',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Create a logout intent',
        params: sessionParams,
        body: closeBodySchema.optional(),
      },
      attachValidation: true,
    },
    async (request, reply) => {
      const closing = await requestClose(
        prisma,
        intentSettings,
        request.otec,
        services.secrets.open(request.otec.senceTokenSealed),
        request.params.id,
        request.body,
      )
      if (closing.ok) {
        request.log.info({ sessionId: closing.session.id }, 'logout intent created')
        return reply
          .code(200)
          .send({ ...toSessionView(closing.session), closeUrl: closing.closeUrl })
      }
      switch (closing.reason) {
        case 'not_found':
          return sessionNotFound(reply, request.params.id)
        case 'invalid':
          return sendProblem(reply, 'validation-error', describeErrors(closing.errors.length), {
            errors: closing.errors,
          })
        case 'not_closable':
          return sendProblem(
            reply,
            'invalid-state',
            `Session ${closing.session.id} is ${closing.session.status}; only a started session, or one whose close failed or was abandoned, can be closed.`,
            { sessionStatus: closing.session.status },
          )
      }
    },
  )

  app.get(
    '/v1/sessions/:id',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Read a session with its events',
        params: sessionParams,
      },
    },
    async (request, reply) => {
      if (!isUuid(request.params.id)) return sessionNotFound(reply, request.params.id)
      const session = await prisma.session.findFirst({
        where: { id: request.params.id, otecId: request.otec.id },
        include: { events: { orderBy: { createdAt: 'asc' } } },
      })
      if (session === null) return sessionNotFound(reply, request.params.id)
      const events = session.events.map((event) => ({
        id: event.id,
        type: event.type,
        detail: event.detail,
        fields: event.fields,
        createdAt: event.createdAt.toISOString(),
      }))
      return { ...toSessionView(session), events }
    },
  )
}

function sessionNotFound(reply: Parameters<typeof sendProblem>[0], id: string) {
  return sendProblem(reply, 'not-found', `No session ${id} for this API key's OTEC.`)
}

function describeErrors(count: number): string {
  return count === 1
    ? '1 field breaks a rule; see errors.'
    : `${count} fields break rules; see errors.`
}
