import type { FastifyRequest } from 'fastify'
import type { RequestProvenance } from '../../../sessions/prepare-launch.ts'

/**
 * Collects where a browser request came from, stored with its session events to
 * tell forged callbacks apart: request id (as in the logs), IP address,
 * User-Agent, Origin and Referer.
 */
export function provenanceOf(request: FastifyRequest): RequestProvenance {
  return {
    requestId: request.id,
    ip: request.ip,
    userAgent: request.headers['user-agent'],
    origin: request.headers.origin,
    referer: request.headers.referer,
  }
}
