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
import {
  widgetCloseRejectedPage,
  widgetPage,
  widgetTokenRejectedPage,
} from '../../../pages/widget-page.ts'
import { requestClose } from '../../../sessions/request-close.ts'
import { CLOSABLE_STATUSES } from '../../../sessions/session-status.ts'
import { acceptsExpiredToken, widgetState } from '../../../widget/widget-state.ts'
import {
  issuedAtOf,
  issueWidgetToken,
  unsealWidgetToken,
  type WidgetGrant,
} from '../../../widget/widget-token.ts'
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

/** The use a request makes of its token: showing the widget, renewing the token, or starting the logout. */
type TokenUse = 'display' | 'renewal' | 'logout'

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
      if (request.url.startsWith('/widget/close'))
        return renderMessagePage(reply, {
          ...widgetCloseRejectedPage('malformed', null),
          status,
        })
      return sendWidgetPage(reply, widgetTokenRejectedPage('malformed'), null, ANY_FRAME, status)
    })

    /**
     * Opens the token and loads its session, or sends the rejection for
     * `use` and returns null. An expired token is rejected for display,
     * and accepted for renewal and logout while acceptsExpiredToken allows.
     */
    const loadSession = async (
      token: string,
      reply: FastifyReply,
      use: TokenUse,
    ): Promise<{ session: SessionWithOtec; grant: WidgetGrant } | null> => {
      const grant = unsealWidgetToken(secrets, token)
      if (grant === null) {
        reply.log.info({ reason: 'malformed', use }, 'widget token rejected')
        sendRejection(reply, use, 'malformed', null)
        return null
      }
      const now = new Date()
      const expired = grant.expiresAt.getTime() <= now.getTime()
      if (expired && use === 'display') {
        reply.log.info(
          { reason: 'expired', use, sessionId: grant.sessionId },
          'widget token rejected',
        )
        sendRejection(reply, use, 'expired', null)
        return null
      }
      const session = await prisma.session.findUnique({
        where: { id: grant.sessionId },
        include: { otec: true },
      })
      if (session === null) {
        sendRejection(reply, use, 'unknown_session', null)
        return null
      }
      if (expired) {
        const fields = { use, sessionId: session.id, expiredAt: grant.expiresAt.toISOString() }
        if (!acceptsExpiredToken(widgetState(session), issuedAtOf(grant), now)) {
          reply.log.info({ ...fields, reason: 'expired' }, 'widget token rejected')
          sendRejection(reply, use, 'expired', session)
          return null
        }
        reply.log.info(fields, 'expired widget token accepted for an open session')
      }
      return { session, grant }
    }

    const sendRejection = (
      reply: FastifyReply,
      use: TokenUse,
      reason: 'malformed' | 'expired' | 'unknown_session',
      session: SessionWithOtec | null,
    ) => {
      if (use === 'renewal')
        return reply
          .code(reason === 'expired' ? 410 : 404)
          .header('cache-control', 'no-store')
          .send({ error: reason })
      if (use === 'logout') {
        // An expired token of a session that is no longer open has nothing left to close.
        let closeReason: 'malformed' | 'expired' | 'not_closable' = 'malformed'
        if (session !== null && reason === 'expired')
          closeReason = CLOSABLE_STATUSES.includes(session.status) ? 'expired' : 'not_closable'
        return renderMessagePage(
          reply,
          widgetCloseRejectedPage(
            closeReason,
            session === null ? null : { id: session.id, lmsLink: lmsLink(session.returnUrl) },
          ),
        )
      }
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
        const loaded = await loadSession(request.query.token, reply, 'display')
        if (loaded === null) return reply
        const { session } = loaded
        const state = widgetState(session)
        return sendWidgetPage(
          reply,
          widgetPage(state),
          { token: request.query.token, expiresAt: loaded.grant.expiresAt },
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
        const loaded = await loadSession(request.query.token, reply, 'renewal')
        if (loaded === null) return reply
        const state = widgetState(loaded.session)
        // A token is renewed only while the session may still change, so that
        // a leaked one stops working soon after the session ends.
        const renewed = state.renewable
          ? issueWidgetToken(secrets, state.sessionId, loaded.grant.lifetimeSeconds)
          : null
        return reply.header('cache-control', 'no-store').send({
          status: state.status,
          canClose: state.canClose,
          token: renewed?.token ?? request.query.token,
          expiresAt: (renewed?.expiresAt ?? loaded.grant.expiresAt).toISOString(),
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
        const loaded = await loadSession(request.body.token, reply, 'logout')
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
        return renderMessagePage(
          reply,
          widgetCloseRejectedPage(closing.reason === 'invalid' ? 'invalid' : 'not_closable', {
            id: session.id,
            lmsLink: lmsLink(session.returnUrl),
          }),
        )
      },
    )
  })
}
