import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** Pattern of an X-Request-Id accepted from a proxy: short, and safe in logs and headers. */
const FORWARDED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/

/**
 * Returns fastify's genReqId: a random UUID, or, behind a trusted proxy, the
 * proxy's X-Request-Id when it has a safe shape, so that the proxy's logs
 * and the gateway's share one id. Without a trusted proxy the header is
 * ignored, since any client could otherwise reuse another request's id.
 */
export function requestIdGenerator(behindTrustedProxy: boolean) {
  return (request: IncomingMessage): string => {
    const forwarded = request.headers['x-request-id']
    if (behindTrustedProxy && typeof forwarded === 'string' && FORWARDED_REQUEST_ID.test(forwarded))
      return forwarded
    return randomUUID()
  }
}
