import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { isUuid } from '../../../sessions/session-id.ts'
import {
  DEFAULT_WIDGET_TOKEN_SECONDS,
  issueWidgetToken,
  WIDGET_TOKEN_SECONDS_RANGE,
} from '../../../widget/widget-token.ts'
import { sendProblem } from '../../problem.ts'
import { problemResponses } from '../../schemas/problem.ts'
import { sessionParamsSchema } from '../../schemas/session.ts'
import type { GatewayServices } from '../../services.ts'

const { min, max } = WIDGET_TOKEN_SECONDS_RANGE

const widgetTokenBodySchema = z.strictObject({
  ttlSeconds: z
    .int()
    .min(min)
    .max(max)
    .optional()
    .describe(
      `How long the token shows the widget, in seconds (default ${DEFAULT_WIDGET_TOKEN_SECONDS}). The widget renews it while the session is open, and its logout button works past it while the session is open (docs/widget.md).`,
    ),
})

const widgetTokenSchema = z
  .object({
    sessionId: z.string(),
    token: z
      .string()
      .describe('Opaque; shows one session’s timer and starts its logout, nothing else.'),
    expiresAt: z.iso.datetime(),
    widgetUrl: z.string().describe('The widget page, to put in an iframe.'),
    scriptUrl: z
      .string()
      .describe(
        'The embed script: `<script src="{scriptUrl}" data-token="{token}" async></script>`.',
      ),
  })
  .meta({ id: 'WidgetToken' })

/** POST /v1/sessions/{id}/widget-token: a short-lived token for the embeddable session widget. */
export async function widgetTokenRoutes(
  instance: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>()
  const { publicBaseUrl } = services.settings

  app.post(
    '/v1/sessions/:id/widget-token',
    {
      schema: {
        tags: ['sessions'],
        summary: 'Issue a token for the session widget',
        description:
          'The LMS calls this when it renders the course page, and gives the token to the widget (docs/widget.md): the API key never reaches the browser. Works for a session of any status; the widget shows it.',
        params: sessionParamsSchema,
        // No body at all arrives as null.
        body: widgetTokenBodySchema.nullable().optional(),
        response: { 201: widgetTokenSchema, ...problemResponses('not-found') },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      const session = isUuid(id)
        ? await services.db.prisma.session.findFirst({
            where: { id, otecId: request.otec.id },
            select: { id: true },
          })
        : null
      if (session === null)
        return sendProblem(reply, 'not-found', `No session ${id} for this API key’s OTEC.`)

      const issued = issueWidgetToken(services.secrets, session.id, request.body?.ttlSeconds)
      request.log.info({ sessionId: session.id }, 'widget token issued')
      return reply.code(201).send({
        sessionId: session.id,
        token: issued.token,
        expiresAt: issued.expiresAt.toISOString(),
        widgetUrl: `${publicBaseUrl}/widget/session?token=${issued.token}`,
        scriptUrl: `${publicBaseUrl}/assets/session-widget.js`,
      })
    },
  )
}
