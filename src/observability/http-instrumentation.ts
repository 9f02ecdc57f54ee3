import {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify'
import { maskUrlForLog } from '../logging/logger.ts'
import { observeHttpRequest } from './metrics.ts'

/** Probe and scrape routes, logged at debug when they succeed so that they do not flood the log. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics'])

/** Unmatched URLs share one label, so that scanners cannot add series or log fields. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched'
}

/**
 * Logs one line per request, when its response is sent, instead of
 * fastify's two (received and completed). Every other fastify log line
 * (errors of the default handler, 503 while closing) stays as it is.
 */
export class AccessLogController extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const route = routeOf(request)
    const fields = {
      method: request.method,
      url: maskUrlForLog(request.url),
      route,
      statusCode: reply.statusCode,
      responseTimeMs: Math.round(reply.elapsedTime * 10) / 10,
      remoteAddress: request.ip,
    }
    if (error) reply.log.error({ ...fields, err: error }, 'request errored')
    else if (QUIET_ROUTES.has(route) && reply.statusCode < 400)
      reply.log.debug(fields, 'request completed')
    else reply.log.info(fields, 'request completed')
  }
}

/**
 * Adds to every response its `x-request-id` header (the reqId of the
 * request's log lines, also shown on error pages), and observes the latency
 * histogram by route template and status code.
 */
export function instrumentHttp(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })

  app.addHook('onResponse', async (request, reply) => {
    observeHttpRequest(request.method, routeOf(request), reply.statusCode, reply.elapsedTime / 1000)
  })
}
