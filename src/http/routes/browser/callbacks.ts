import type { FastifyInstance, FastifyRequest } from 'fastify'
import {
  callbackOpenedDirectlyPage,
  callbackResultPage,
  ticketRejectedPage,
} from '../../../pages/student-pages.ts'
import type { RawForm } from '../../../protocol/callback.ts'
import { applyCallback } from '../../../sessions/apply-callback.ts'
import { renderMessagePage } from '../../render-page.ts'
import type { GatewayServices } from '../../services.ts'

interface CallbackParams {
  ticket: string
  endpoint: string
}

/** POST /cb/{ticket}/ok and /cb/{ticket}/err: SENCE's callbacks, through the student's browser. */
export async function callbackRoutes(
  app: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const { prisma } = services.db

  app.post<{ Params: CallbackParams }>('/cb/:ticket/:endpoint', async (request, reply) => {
    const { ticket, endpoint } = request.params
    if (endpoint !== 'ok' && endpoint !== 'err') return reply.callNotFound()

    const form = (request.body ?? {}) as RawForm
    const outcome = await applyCallback(prisma, {
      ticket,
      endpoint,
      form,
      provenance: provenanceOf(request),
    })

    if (outcome.kind === 'rejected') {
      request.log.warn(
        {
          sessionId: outcome.sessionId,
          endpoint,
          reason: outcome.reason,
          mismatchedFields: outcome.mismatchedFields,
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
        sessionId: outcome.sessionId,
        endpoint,
        result: outcome.result,
        senceCodes: outcome.errorCodes,
        duplicate: outcome.kind === 'duplicate',
      },
      'callback processed',
    )
    if (outcome.location === null)
      return renderMessagePage(reply, callbackResultPage(outcome.result, outcome.errorCodes))
    return reply.code(303).header('cache-control', 'no-store').redirect(outcome.location, 303)
  })

  app.get<{ Params: CallbackParams }>('/cb/:ticket/:endpoint', async (_request, reply) => {
    return renderMessagePage(reply, callbackOpenedDirectlyPage())
  })
}

function provenanceOf(request: FastifyRequest): Record<string, string | undefined> {
  return {
    ip: request.ip,
    userAgent: request.headers['user-agent'],
    origin: request.headers.origin,
    referer: request.headers.referer,
  }
}
