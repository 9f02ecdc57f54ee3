import type { FastifyError, FastifyInstance } from 'fastify'
import {
  badBrowserRequestPage,
  callbackOpenedDirectlyPage,
  callbackResultPage,
  ticketRejectedPage,
} from '../../../pages/student-pages.ts'
import type { RawForm } from '../../../protocol/callback.ts'
import { applyCallback } from '../../../sessions/apply-callback.ts'
import { recordTicketRequest } from '../../../sessions/record-ticket-request.ts'
import { closeFailureOverrun } from '../../../sessions/session-length.ts'
import { RateLimitedError, rateLimitedCallbackPage } from '../../rate-limits.ts'
import { renderMessagePage } from '../../render-page.ts'
import type { GatewayServices } from '../../services.ts'
import { provenanceOf } from './provenance.ts'

/** Characters of a rejected Origin header that a log line keeps: a real origin is far shorter. */
const ORIGIN_LOG_MAX_LENGTH = 200

interface CallbackParams {
  ticket: string
  endpoint: string
}

/**
 * POST /cb/{ticket}/ok and /cb/{ticket}/err: SENCE's callbacks, through
 * the student's browser. GET on the same URLs, and bodies that cannot be
 * read, get a page, change nothing and are stored as session events.
 */
export async function callbackRoutes(
  app: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const { prisma } = services.db

  // A scope of their own, so that a body rejected before the handler runs
  // (413, 415, 400) is recorded against the ticket of its URL.
  await app.register(async (callbacks) => {
    callbacks.setErrorHandler(async (error: FastifyError, request, reply) => {
      // The limiter rejected the request before its body was read. It is not
      // stored, since storing each rejected request is what the limit bounds,
      // and rateLimitHook has already logged it.
      if (error instanceof RateLimitedError)
        return renderMessagePage(reply, rateLimitedCallbackPage(error.retryAfterSeconds))

      const status = error.statusCode ?? 500
      // Anything else goes to the browser scope's handler, which logs it as a failure.
      if (status < 400 || status >= 500) throw error

      const { ticket = '' } = request.params as Partial<CallbackParams>
      const context = await recordTicketRequest(prisma, {
        ticket,
        type: 'callback_unreadable',
        detail: `${status} ${error.code ?? ''}: ${error.message}`,
        provenance: provenanceOf(request),
      })
      request.log.warn(
        { sessionId: context.sessionId, status, code: error.code },
        'callback body rejected',
      )
      return renderMessagePage(reply, {
        ...badBrowserRequestPage(status),
        reference: context.sessionId ?? request.id,
      })
    })

    callbacks.post<{ Params: CallbackParams }>('/cb/:ticket/:endpoint', async (request, reply) => {
      const { ticket, endpoint } = request.params
      if (endpoint !== 'ok' && endpoint !== 'err') {
        const context = await recordTicketRequest(prisma, {
          ticket,
          type: 'callback_rejected',
          detail: 'unknown callback endpoint: only /ok and /err exist',
          provenance: provenanceOf(request),
        })
        request.log.warn({ sessionId: context.sessionId }, 'callback to an unknown endpoint')
        return renderMessagePage(reply, {
          ...ticketRejectedPage('unknown', null),
          reference: context.sessionId ?? request.id,
        })
      }

      const outcome = await applyCallback(prisma, services.settings, {
        ticket,
        endpoint,
        form: (request.body ?? {}) as RawForm,
        provenance: provenanceOf(request),
      })

      if (outcome.kind === 'rejected') {
        request.log.warn(
          {
            sessionId: outcome.sessionId,
            endpoint,
            reason: outcome.reason,
            mismatchedFields: outcome.mismatchedFields,
            // An Origin is not a secret, and it shows which site posted the forged form.
            ...(outcome.reason === 'foreign_origin'
              ? { origin: request.headers.origin?.slice(0, ORIGIN_LOG_MAX_LENGTH) }
              : {}),
          },
          'callback rejected',
        )
        return renderMessagePage(reply, {
          ...ticketRejectedPage(outcome.reason, outcome.returnUrl),
          reference: outcome.sessionId ?? request.id,
        })
      }

      request.log.info(
        {
          sessionId: outcome.session.id,
          endpoint,
          result: outcome.result,
          senceCodes: outcome.errorCodes,
          duplicate: outcome.kind === 'duplicate',
        },
        'callback processed',
      )
      if (outcome.location === null) {
        const overrun = closeFailureOverrun(outcome.session)
        return renderMessagePage(
          reply,
          callbackResultPage(outcome.result, outcome.errorCodes, overrun),
        )
      }
      return reply.code(303).header('cache-control', 'no-store').redirect(outcome.location, 303)
    })

    callbacks.get<{ Params: CallbackParams }>('/cb/:ticket/:endpoint', async (request, reply) => {
      const context = await recordTicketRequest(prisma, {
        ticket: request.params.ticket,
        type: 'callback_opened_directly',
        detail: `${request.method} on a callback URL, which SENCE posts to`,
        provenance: provenanceOf(request),
      })
      request.log.info({ sessionId: context.sessionId }, 'callback URL opened directly')
      return renderMessagePage(reply.header('allow', 'POST'), {
        ...callbackOpenedDirectlyPage(context.returnUrl),
        reference: context.sessionId ?? request.id,
      })
    })
  })
}
