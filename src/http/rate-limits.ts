// Request rate limits with @fastify/rate-limit: on the API per client IP and
// per API key, on the browser's launch and callback URLs per client IP.
// The client IP is request.ip, which honours X-Forwarded-For only as far as
// TRUST_PROXY allows, so a client cannot pick its own bucket.
//
// NOTE: the counters live in each process's memory. Behind a load balancer
// with N instances a client gets up to N times the limit.

import { createHash } from 'node:crypto'
import rateLimit, { normalizeIP } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { MessagePage } from '../pages/student-pages.ts'
import { bearerToken } from './authenticate.ts'

const WINDOW_MS = 60_000

/** Clients tracked per limiter; the least recently seen are forgotten first. */
const TRACKED_CLIENTS = 20_000

export interface Limit {
  /** Requests allowed per minute. */
  max: number
  /** The bucket of a request, or null to leave the request out of this limit. */
  bucket(request: FastifyRequest): string | null
}

/** Registers the plugin without any global limit: each scope adds its own hook. */
export async function registerRateLimit(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, { global: false, cache: TRACKED_CLIENTS })
}

export const byClientIp = (max: number): Limit => ({
  max,
  bucket: (request) => `ip:${normalizeIP(request.ip)}`,
})

/**
 * One bucket per bearer token, keyed by its hash, counted before the key is
 * looked up so that a flood of requests with one key never reaches the
 * database. Requests without a token are left to the IP limit.
 */
export const byBearerToken = (max: number): Limit => ({
  max,
  bucket: (request) => {
    const token = bearerToken(request)
    return token === null ? null : `key:${createHash('sha256').update(token).digest('base64url')}`
  },
})

/** An error that the scope's error handler turns into a 429. */
export class RateLimitedError extends Error {
  readonly statusCode = 429
  readonly retryAfterSeconds: number

  constructor(retryAfterSeconds: number) {
    super(`Rate limit exceeded; retry in ${retryAfterSeconds} s.`)
    this.name = 'RateLimitedError'
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/**
 * Returns an onRequest hook that counts the request against every limit
 * and rejects it with a RateLimitedError (and Retry-After) when one is
 * exceeded. The last limit's remaining count goes in RateLimit headers.
 */
export function rateLimitHook(app: FastifyInstance, limits: Limit[]) {
  const limiters = limits.map((limit) => ({
    limit,
    check: app.createRateLimit({
      max: limit.max,
      timeWindow: WINDOW_MS,
      keyGenerator: (request) => limit.bucket(request) ?? '',
    }),
  }))

  return async function limitRate(request: FastifyRequest, reply: FastifyReply) {
    for (const { limit, check } of limiters) {
      if (limit.bucket(request) === null) continue
      const state = await check(request)
      if (state.isAllowed) continue
      reply.header('ratelimit-limit', state.max)
      reply.header('ratelimit-remaining', state.remaining)
      reply.header('ratelimit-reset', state.ttlInSeconds)
      if (state.isExceeded) {
        reply.header('retry-after', state.ttlInSeconds)
        request.log.info({ bucket: state.key.split(':')[0], max: state.max }, 'rate limit exceeded')
        throw new RateLimitedError(state.ttlInSeconds)
      }
    }
  }
}

/** Returns the student's page for a browser that went over its limit. */
export function rateLimitedPage(retryAfterSeconds: number): MessagePage {
  return {
    status: 429,
    title: 'Demasiadas solicitudes',
    paragraphs: [
      'Recibimos muchas solicitudes desde tu conexión en poco tiempo.',
      `Espera ${retryAfterSeconds} segundos y vuelve a intentarlo desde tu curso.`,
    ],
  }
}

/**
 * Returns the student's page for a SENCE callback that went over the limit.
 * SENCE's response is in the body of this request and the ticket stays
 * usable, so reloading the page (which resends the form) applies it.
 */
export function rateLimitedCallbackPage(retryAfterSeconds: number): MessagePage {
  return {
    status: 429,
    title: 'Demasiadas solicitudes',
    paragraphs: [
      'Recibimos muchas solicitudes desde tu conexión en poco tiempo, así que todavía no registramos la respuesta de SENCE.',
      `Espera ${retryAfterSeconds} segundos y recarga esta página. Si el navegador pregunta si quieres reenviar el formulario, acepta: así nos llega de nuevo la respuesta de SENCE.`,
    ],
  }
}
