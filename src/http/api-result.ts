import type { FastifyReply, FastifyRequest } from 'fastify'
import { PROBLEM_CONTENT_TYPE, problemBody, type ProblemSlug } from './problem.ts'

/**
 * A response as a value, so that it can be stored and replayed for an
 * Idempotency-Key before it is sent.
 */
export interface ApiResult {
  statusCode: number
  body: unknown
  /** Unset: application/json. */
  contentType?: string
  headers?: Record<string, string>
}

export function problemResult(
  request: FastifyRequest,
  slug: ProblemSlug,
  detail: string,
  extensions: Record<string, unknown> = {},
): ApiResult {
  const instance = request.url.split('?')[0] as string
  const body = problemBody(slug, detail, { instance, ...extensions })
  return { statusCode: body.status, body, contentType: PROBLEM_CONTENT_TYPE }
}

export function sendResult(reply: FastifyReply, result: ApiResult): FastifyReply {
  reply.code(result.statusCode)
  if (result.contentType !== undefined) reply.type(result.contentType)
  if (result.headers !== undefined) reply.headers(result.headers)
  return reply.send(result.body)
}
