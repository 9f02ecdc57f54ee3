import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { normalizeRun } from '../../../protocol/run.ts'
import {
  decodeSessionCursor,
  listSessions,
  SESSION_PAGE_DEFAULT_LIMIT,
  SESSION_PAGE_MAX_LIMIT,
} from '../../../reports/list-sessions.ts'
import type { SessionStatus } from '../../../sessions/session-status.ts'
import { toSessionView } from '../../../sessions/session-view.ts'
import { type ApiResult, problemResult, sendResult } from '../../api-result.ts'
import { problemResponses } from '../../schemas/problem.ts'
import { sessionPageSchema, sessionStatusSchema } from '../../schemas/session.ts'
import type { GatewayServices } from '../../services.ts'

const instantParameter = z.iso.datetime({ offset: true })

const listQuerySchema = z.object({
  runAlumno: z.string().optional().describe('RUN of the student, in any usual spelling.'),
  codigoCurso: z.string().optional(),
  idSesionAlumno: z.string().optional(),
  status: z.string().optional().describe('One status, or several separated by commas.'),
  from: instantParameter.optional().describe('Sessions created at or after this instant.'),
  to: instantParameter.optional().describe('Sessions created before this instant.'),
  cursor: z.string().optional().describe('The nextCursor of the previous page.'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(SESSION_PAGE_MAX_LIMIT)
    .default(SESSION_PAGE_DEFAULT_LIMIT),
})

/** GET /v1/sessions: a filtered page of the OTEC's sessions. */
export async function sessionListRoutes(
  instance: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>()
  const { prisma } = services.db

  app.get(
    '/v1/sessions',
    {
      schema: {
        tags: ['sessions'],
        summary: 'List sessions',
        description:
          'Newest first. Follow `nextCursor` for the next page; sessions created meanwhile never shift the pages.',
        querystring: listQuerySchema,
        response: { 200: sessionPageSchema, ...problemResponses() },
      },
    },
    async (request, reply) => {
      const { query } = request
      const statuses = parseStatuses(query.status)
      if (statuses === null)
        return sendResult(
          reply,
          invalidParameter(
            request,
            'status',
            `status must be one or more of ${sessionStatusSchema.options.join(', ')}, separated by commas.`,
          ),
        )
      const cursor = query.cursor === undefined ? null : decodeSessionCursor(query.cursor)
      if (cursor === null && query.cursor !== undefined)
        return sendResult(
          reply,
          invalidParameter(request, 'cursor', 'cursor is not a nextCursor of this API.'),
        )

      const page = await listSessions(
        prisma,
        request.otec.id,
        {
          runAlumno: query.runAlumno === undefined ? undefined : normalizeRun(query.runAlumno),
          codigoCurso: query.codigoCurso?.trim(),
          idSesionAlumno: query.idSesionAlumno,
          statuses,
          from: query.from === undefined ? undefined : new Date(query.from),
          to: query.to === undefined ? undefined : new Date(query.to),
        },
        { cursor, limit: query.limit },
      )
      return { data: page.sessions.map(toSessionView), nextCursor: page.nextCursor }
    },
  )
}

/** Returns the statuses of a comma-separated list, undefined for none, or null when one is unknown. */
function parseStatuses(value: string | undefined): SessionStatus[] | undefined | null {
  if (value === undefined || value.trim() === '') return undefined
  const statuses: SessionStatus[] = []
  for (const part of value.split(',')) {
    const parsed = sessionStatusSchema.safeParse(part.trim())
    if (!parsed.success) return null
    statuses.push(parsed.data)
  }
  return statuses
}

function invalidParameter(request: FastifyRequest, field: string, detail: string): ApiResult {
  return problemResult(request, 'invalid-request', detail, {
    errors: [{ field, senceCode: null, detail }],
  })
}
