import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Session } from '../../../persistence/generated/client.ts'
import { createLoginIntent } from '../../../sessions/create-intent.ts'
import { closeBodySchema, requestClose } from '../../../sessions/request-close.ts'
import {
  countUnstoredBrowserEvents,
  STORED_BROWSER_EVENTS_PER_TICKET,
} from '../../../sessions/session-events.ts'
import { isUuid } from '../../../sessions/session-id.ts'
import { toSessionView } from '../../../sessions/session-view.ts'
import { loginIntentBodySchema } from '../../../sessions/validate-intent.ts'
import { type ApiResult, problemResult, sendResult } from '../../api-result.ts'
import { runIdempotently } from '../../idempotency.ts'
import { problemResponses } from '../../schemas/problem.ts'
import {
  closingSessionSchema,
  createdSessionSchema,
  sessionParamsSchema,
  sessionWithEventsSchema,
} from '../../schemas/session.ts'
import type { GatewayServices } from '../../services.ts'

/**
 * Events that GET /v1/sessions/{id} returns, the latest. Each ticket stores
 * at most STORED_BROWSER_EVENTS_PER_TICKET browser events, so a session
 * has more only after several close attempts. The admin dashboard's
 * session page lists every stored event.
 */
export const SESSION_EVENTS_MAX = 100

// Loose: fastify replaces request.headers with the parsed value, which must keep every other header.
const idempotencyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .optional()
    .describe(
      'Makes a retry return the first response instead of acting twice, for 24 hours. One value per operation, such as a UUID in double quotes: "8e03978e-40d5-43e8-bc93-6894a57f9324".',
    ),
})

/** POST /v1/sessions, POST /v1/sessions/{id}/close and GET /v1/sessions/{id}. */
export async function sessionRoutes(
  instance: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>()
  const { prisma } = services.db
  const store = { prisma, secrets: services.secrets }
  const intentSettings = {
    publicBaseUrl: services.settings.publicBaseUrl,
    pendingTtlSeconds: services.settings.pendingTtlSeconds,
  }

  app.post(
    '/v1/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Create a login intent',
        description:
          'Checks every field against SENCE’s rules and the OTEC’s return origins, then stores a pending session. Send the student’s browser to `startUrl`.',
        headers: idempotencyHeaders,
        body: loginIntentBodySchema,
        response: {
          201: createdSessionSchema,
          ...problemResponses(
            'invalid-idempotency-key',
            'idempotency-key-in-use',
            'validation-error',
            'idempotency-key-reused',
            'payload-too-large',
            'unsupported-media-type',
          ),
        },
      },
      // The body is checked by validateLoginIntent, which reports every broken
      // rule with SENCE's code in a 422; the schema documents its shape.
      attachValidation: true,
    },
    async (request, reply) => {
      const result = await runIdempotently(store, request, async (complete) => {
        const senceToken = services.secrets.open(request.otec.senceTokenSealed)
        const created = await createLoginIntent(
          prisma,
          intentSettings,
          request.otec,
          senceToken,
          request.body,
          {
            beforeCommit:
              complete === null ? undefined : (tx, intent) => complete(tx, createdResult(intent)),
          },
        )
        if (!created.ok) return validationProblem(request, created.errors)
        request.log.info({ sessionId: created.session.id }, 'login intent created')
        return createdResult(created)
      })
      return sendResult(reply, result)
    },
  )

  app.post(
    '/v1/sessions/:id/close',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Create a logout intent',
        description:
          'For a started session, or one whose close failed or was abandoned. Send the student’s browser to `closeUrl`.',
        headers: idempotencyHeaders,
        params: sessionParamsSchema,
        body: closeBodySchema.optional(),
        response: {
          200: closingSessionSchema,
          ...problemResponses(
            'invalid-idempotency-key',
            'not-found',
            'invalid-state',
            'idempotency-key-in-use',
            'validation-error',
            'idempotency-key-reused',
          ),
        },
      },
      attachValidation: true,
    },
    async (request, reply) => {
      const result = await runIdempotently(store, request, async (complete): Promise<ApiResult> => {
        const closing = await requestClose(
          prisma,
          intentSettings,
          request.otec,
          services.secrets.open(request.otec.senceTokenSealed),
          request.params.id,
          request.body,
          {
            beforeCommit:
              complete === null ? undefined : (tx, close) => complete(tx, closingResult(close)),
          },
        )
        if (closing.ok) {
          request.log.info({ sessionId: closing.session.id }, 'logout intent created')
          return closingResult(closing)
        }
        switch (closing.reason) {
          case 'not_found':
            return sessionNotFound(request, request.params.id)
          case 'invalid':
            return validationProblem(request, closing.errors)
          case 'not_closable':
            return problemResult(
              request,
              'invalid-state',
              `Session ${closing.session.id} is ${closing.session.status}; only a started session, or one whose close failed or was abandoned, can be closed.`,
              { sessionStatus: closing.session.status },
            )
        }
      })
      return sendResult(reply, result)
    },
  )

  app.get(
    '/v1/sessions/:id',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Read a session with its events',
        description: `Returns the session with its latest ${SESSION_EVENTS_MAX} events, oldest first. \`eventsTruncated\` is true when the session has more (\`eventCount\`). The admin dashboard’s session page lists them all. Each ticket stores its first ${STORED_BROWSER_EVENTS_PER_TICKET} browser requests that changed nothing, and \`eventsNotStored\` counts the rest.`,
        params: sessionParamsSchema,
        response: { 200: sessionWithEventsSchema, ...problemResponses('not-found') },
      },
    },
    async (request, reply) => {
      if (!isUuid(request.params.id))
        return sendResult(reply, sessionNotFound(request, request.params.id))
      const session = await prisma.session.findFirst({
        where: { id: request.params.id, otecId: request.otec.id },
        include: {
          // The latest events, read newest first and returned oldest first.
          events: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: SESSION_EVENTS_MAX },
          tickets: { select: { browserEventCount: true } },
          _count: { select: { events: true } },
        },
      })
      if (session === null) return sendResult(reply, sessionNotFound(request, request.params.id))
      const events = session.events.toReversed().map((event) => ({
        id: event.id,
        type: event.type,
        detail: event.detail,
        fields: event.fields,
        createdAt: event.createdAt.toISOString(),
      }))
      return {
        ...toSessionView(session),
        events,
        eventCount: session._count.events,
        eventsTruncated: session._count.events > events.length,
        eventsNotStored: countUnstoredBrowserEvents(session.tickets),
      }
    },
  )
}

function createdResult(intent: { session: Session; startUrl: string }): ApiResult {
  return { statusCode: 201, body: { ...toSessionView(intent.session), startUrl: intent.startUrl } }
}

function closingResult(close: { session: Session; closeUrl: string }): ApiResult {
  return { statusCode: 200, body: { ...toSessionView(close.session), closeUrl: close.closeUrl } }
}

// An id of another OTEC gets the same answer as an id that does not exist.
function sessionNotFound(request: FastifyRequest, id: string): ApiResult {
  return problemResult(request, 'not-found', `No session ${id} for this API key’s OTEC.`)
}

function validationProblem(
  request: FastifyRequest,
  errors: { field: string; senceCode: number | null; detail: string }[],
): ApiResult {
  const detail =
    errors.length === 1
      ? '1 field breaks a rule; see errors.'
      : `${errors.length} fields break rules; see errors.`
  return problemResult(request, 'validation-error', detail, { errors })
}
