// The embeddable session widget, in an iframe on the LMS's course page:
//
//   GET  /widget/session?token=  the widget: the SENCE session's timer, the
//                                alert before its allotted time ends, and
//                                the logout button; it works without JavaScript
//   GET  /widget/state?token=    JSON for the widget's script: the status and
//                                a renewed token, while the session is open
//   POST /widget/close           the logout button: a logout intent, then the
//                                whole window (target=_top) goes to SENCE
//
// The token comes from POST /v1/sessions/{id}/widget-token (see
// src/widget/widget-token.ts). Only the OTEC's return origins may frame the
// widget.

import formbody from '@fastify/formbody'
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Otec, Session } from '../../../persistence/generated/client.ts'
import { widgetPage, widgetTokenRejectedPage } from '../../../pages/widget-page.ts'
import { requestClose } from '../../../sessions/request-close.ts'
import { widgetState } from '../../../widget/widget-state.ts'
import { issueWidgetToken, openWidgetToken } from '../../../widget/widget-token.ts'
import { byClientIp, RateLimitedError, rateLimitHook } from '../../rate-limits.ts'
import { renderMessagePage } from '../../render-page.ts'
import type { GatewayServices } from '../../services.ts'
import { ANY_FRAME, lmsLink, sendWidgetPage } from './render-widget.ts'

const tokenQuery = z.object({
  token: z.string().max(1024).describe('The widget token of the API.'),
})

const widgetStateSchema = z.object({
  status: z.string(),
  canClose: z.boolean(),
  token: z.string().describe('Use this one from now on: renewed while the session is open.'),
  expiresAt: z.iso.datetime(),
})

type SessionWithOtec = Session & { otec: Otec }

export async function widgetRoutes(
  instance: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const { prisma } = services.db
  const { settings, secrets } = services
  const intentSettings = {
    publicBaseUrl: settings.publicBaseUrl,
    pendingTtlSeconds: settings.pendingTtlSeconds,
  }

  await instance.register(async (scope) => {
    const widget = scope.withTypeProvider<ZodTypeProvider>()
    widget.removeAllContentTypeParsers()
    await widget.register(formbody, { bodyLimit: 4096 })
    widget.addHook(
      'onRequest',
      rateLimitHook(widget, [byClientIp(settings.rateLimitBrowserPerIpPerMinute)]),
    )
    widget.setErrorHandler((error: FastifyError, request, reply) => {
      const status = error instanceof RateLimitedError ? 429 : (error.statusCode ?? 500)
      if (status >= 500) request.log.error({ err: error }, 'widget request failed')
      else request.log.info({ err: error }, 'widget request rejected')
      if (request.url.startsWith('/widget/state'))
        return reply.code(status).header('cache-control', 'no-store').send({ error: error.message })
      return sendWidgetPage(reply, widgetTokenRejectedPage('malformed'), null, ANY_FRAME, status)
    })

    /** Opens the token and loads its session, or sends the rejection and returns null. */
    const loadSession = async (
      token: string,
      reply: FastifyReply,
    ): Promise<{ session: SessionWithOtec; lifetimeSeconds: number } | null> => {
      const opened = openWidgetToken(secrets, token)
      if (!opened.ok) {
        reply.log.info({ reason: opened.reason }, 'widget token rejected')
        sendRejection(reply, opened.reason)
        return null
      }
      const session = await prisma.session.findUnique({
        where: { id: opened.grant.sessionId },
        include: { otec: true },
      })
      if (session === null) {
        sendRejection(reply, 'unknown_session')
        return null
      }
      return { session, lifetimeSeconds: opened.grant.lifetimeSeconds }
    }

    const sendRejection = (
      reply: FastifyReply,
      reason: 'malformed' | 'expired' | 'unknown_session',
    ) => {
      if (reply.request.url.startsWith('/widget/state'))
        return reply
          .code(reason === 'expired' ? 410 : 404)
          .header('cache-control', 'no-store')
          .send({ error: reason })
      return sendWidgetPage(reply, widgetTokenRejectedPage(reason), null, ANY_FRAME)
    }

    widget.get(
      '/widget/session',
      {
        schema: {
          tags: ['browser'],
          security: [],
          summary: 'The session widget, for an iframe on the LMS’s course page',
          description:
            'An HTML page: the time since SENCE’s login, an alert 10 minutes before the session’s allotted time ends, and a button that starts the logout. Only the OTEC’s return origins may frame it. See docs/widget.md.',
          querystring: tokenQuery,
        },
      },
      async (request, reply) => {
        const loaded = await loadSession(request.query.token, reply)
        if (loaded === null) return reply
        const { session } = loaded
        const state = widgetState(session)
        return sendWidgetPage(
          reply,
          widgetPage(state),
          request.query.token,
          session.otec.returnOrigins,
        )
      },
    )

    widget.get(
      '/widget/state',
      {
        schema: {
          tags: ['browser'],
          security: [],
          summary: 'The session widget’s state, for its script',
          querystring: tokenQuery,
          response: { 200: widgetStateSchema },
        },
      },
      async (request, reply) => {
        const loaded = await loadSession(request.query.token, reply)
        if (loaded === null) return reply
        const state = widgetState(loaded.session)
        // A token is renewed only while the session may still change, so that
        // a leaked one stops working soon after the session ends.
        const renewed = state.renewable
          ? issueWidgetToken(secrets, state.sessionId, loaded.lifetimeSeconds)
          : null
        const current = openWidgetToken(secrets, request.query.token)
        return reply.header('cache-control', 'no-store').send({
          status: state.status,
          canClose: state.canClose,
          token: renewed?.token ?? request.query.token,
          expiresAt: (
            renewed?.expiresAt ?? (current.ok ? current.grant.expiresAt : new Date())
          ).toISOString(),
        })
      },
    )

    widget.post(
      '/widget/close',
      {
        schema: {
          tags: ['browser'],
          security: [],
          summary: 'The session widget’s logout button',
          description:
            'A form post from the widget. Creates a logout intent, as POST /v1/sessions/{id}/close does, and sends the whole window (the form’s target is _top) to its closeUrl.',
          body: tokenQuery,
        },
      },
      async (request, reply) => {
        const loaded = await loadSession(request.body.token, reply)
        if (loaded === null) return reply
        const { session } = loaded
        const { otec } = session
        const closing = await requestClose(
          prisma,
          intentSettings,
          otec,
          secrets.open(otec.senceTokenSealed),
          session.id,
          undefined,
        )
        if (closing.ok) {
          request.log.info({ sessionId: session.id }, 'logout intent created from the widget')
          return reply.header('cache-control', 'no-store').redirect(closing.closeUrl, 303)
        }
        request.log.warn(
          {
            sessionId: session.id,
            reason: closing.reason,
            errors: closing.reason === 'invalid' ? closing.errors : undefined,
          },
          'widget logout refused',
        )
        // The form's target is the whole window, so this page replaces the LMS's.
        return renderMessagePage(reply, {
          status: closing.reason === 'not_found' ? 404 : 409,
          title: 'No pudimos iniciar el cierre de tu sesión',
          paragraphs:
            closing.reason === 'invalid'
              ? [
                  'El curso tiene un problema de configuración. Avisa a tu OTEC; tu sesión sigue abierta en SENCE.',
                ]
              : ['Tu sesión ya no está abierta en SENCE, así que no hay nada que cerrar.'],
          link: lmsLink(session.returnUrl),
          reference: session.id,
        })
      },
    )
  })
}
