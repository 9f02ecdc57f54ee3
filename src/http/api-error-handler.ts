import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { sendProblem } from './problem.ts'

/**
 * Turns every error of the REST API into a problem body: 4xx keep their
 * message, 5xx hide it behind a generic detail and are logged with the
 * request id, which the detail repeats so that a support request can find
 * the log line.
 */
export function apiErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error.validation !== undefined) {
    request.log.info({ err: error }, 'request failed schema validation')
    return sendProblem(reply, 'invalid-request', error.message)
  }

  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendProblem(reply, 'unsupported-media-type', 'Send the body as application/json.')
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendProblem(reply, 'payload-too-large', error.message)
  }

  const status = error.statusCode ?? 500
  if (status === 429) return sendProblem(reply, 'rate-limited', error.message)
  if (status === 404) return sendProblem(reply, 'not-found', error.message)
  if (status >= 400 && status < 500) {
    request.log.info({ err: error }, 'invalid request')
    return sendProblem(reply, 'invalid-request', error.message)
  }
  if (status === 503) return sendProblem(reply, 'unavailable', error.message)

  request.log.error({ err: error }, 'request failed')
  return sendProblem(
    reply,
    'internal-error',
    `The gateway failed to process the request; quote request id ${request.id} when reporting it.`,
  )
}
