// Errors of the REST API as RFC 9457 problem details
// (`application/problem+json`). Each kind of problem has a stable `type` URI
// and one HTTP status; docs/problems.md describes each of them, and a test
// checks that the registry and that page list the same types.

import type { FastifyReply } from 'fastify'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'

/** The registry of problem types: slug, HTTP status and title. */
export const PROBLEM_TYPES = {
  'invalid-request': { status: 400, title: 'The request is malformed' },
  'invalid-idempotency-key': { status: 400, title: 'The Idempotency-Key header is malformed' },
  unauthorized: { status: 401, title: 'Missing or invalid API key' },
  'not-found': { status: 404, title: 'Resource not found' },
  'not-acceptable': { status: 406, title: 'No acceptable representation' },
  'invalid-state': { status: 409, title: 'The session is not in a state that allows this' },
  'webhook-conflict': {
    status: 409,
    title: 'The webhook endpoint or delivery does not allow this now',
  },
  'already-exists': { status: 409, title: 'The resource already exists' },
  'idempotency-key-in-use': {
    status: 409,
    title: 'A request with this Idempotency-Key is still running',
  },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  'validation-error': { status: 422, title: 'The request breaks SENCE rules or the gateway’s' },
  'idempotency-key-reused': {
    status: 422,
    title: 'The Idempotency-Key was used with another request',
  },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'internal-error': { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>

export type ProblemSlug = keyof typeof PROBLEM_TYPES

export function problemTypeUri(slug: ProblemSlug): string {
  return `urn:sence-gateway:problem:${slug}`
}

/** One failed rule of a 422 (or one invalid parameter of a 400). */
export interface FieldProblem {
  /** The API's name of the field or parameter. */
  field: string
  /** The Anexo 2 code SENCE would return, or null for a rule of the gateway's own. */
  senceCode: number | null
  detail: string
}

export interface ProblemBody {
  type: string
  title: string
  status: number
  detail: string
  instance?: string
  errors?: FieldProblem[]
  [extension: string]: unknown
}

export function problemBody(
  slug: ProblemSlug,
  detail: string,
  extensions: Record<string, unknown> = {},
): ProblemBody {
  const { status, title } = PROBLEM_TYPES[slug]
  return { type: problemTypeUri(slug), title, status, detail, ...extensions }
}

/** Sends a problem: the status comes from the registry, `instance` is the request's path. */
export function sendProblem(
  reply: FastifyReply,
  slug: ProblemSlug,
  detail: string,
  extensions: Record<string, unknown> = {},
): FastifyReply {
  const body = problemBody(slug, detail, { instance: instanceOf(reply.request.url), ...extensions })
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(body)
}

/** The request's path without its query, which may carry personal data (a RUN filter). */
function instanceOf(url: string): string {
  const queryStart = url.indexOf('?')
  return queryStart === -1 ? url : url.slice(0, queryStart)
}
