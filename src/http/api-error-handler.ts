import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { UnacceptableJsonError } from './api-input.ts'
import { sendProblem } from './problem.ts'
import { RateLimitedError } from './rate-limits.ts'

/**
 * Turns every error of the REST API into a problem body. A 4xx keeps its
 * message. A 5xx hides it behind a generic detail and is logged with the
 * request id, which the detail repeats so that a support request can find
 * the log line. The messages of zod 4's issues and of fastify 5's body
 * parser leave out the values sent, so a Token in a bad body is not echoed.
 */
export function apiErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (error.validation !== undefined) {
    request.log.info({ err: error }, 'request failed schema validation')
    const part = error.validationContext ?? 'request'
    const errors = error.validation.map((issue) => {
      const field = issue.instancePath.replace(/^\//, '').replaceAll('/', '.')
      return { field, senceCode: null, detail: `${field || part}: ${issue.message ?? 'invalid'}` }
    })
    return sendProblem(reply, 'invalid-request', `The ${part} is invalid; see errors.`, { errors })
  }
  if (error instanceof UnacceptableJsonError)
    return sendProblem(reply, 'invalid-request', error.message)
  if (error instanceof RateLimitedError) {
    return sendProblem(
      reply,
      'rate-limited',
      `Too many requests; retry in ${error.retryAfterSeconds} s (see Retry-After).`,
    )
  }

  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendProblem(reply, 'unsupported-media-type', 'Send the body as application/json.')
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendProblem(reply, 'payload-too-large', error.message)
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return sendProblem(reply, 'invalid-request', 'The body is not valid JSON.')
  }

  const status = error.statusCode ?? 500
  if (status === 404) return sendProblem(reply, 'not-found', error.message)
  if (status === 503) return sendProblem(reply, 'unavailable', error.message)
  if (status >= 400 && status < 500) {
    request.log.info({ err: error }, 'invalid request')
    return sendProblem(reply, 'invalid-request', error.message)
  }

  request.log.error({ err: error }, 'request failed')
  return sendProblem(
    reply,
    'internal-error',
    `The gateway failed to process the request; quote request id ${request.id} when reporting it.`,
  )
}
