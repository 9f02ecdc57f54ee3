// Errors of the REST API as RFC 9457 problem details
// (`application/problem+json`). Each kind of problem has a stable `type` URI
// and one HTTP status; docs/problems.md describes them.

import type { FastifyReply } from 'fastify'
import type { FieldError } from '../sessions/validate-intent.ts'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'

/** The registry of problem types: slug, HTTP status and title. */
export const PROBLEM_TYPES = {
  'validation-error': { status: 422, title: 'The request breaks SENCE rules or the gateway’s' },
  'invalid-request': { status: 400, title: 'The request is malformed' },
  unauthorized: { status: 401, title: 'Missing or invalid API key' },
  'not-found': { status: 404, title: 'Resource not found' },
  'invalid-state': { status: 409, title: 'The session is not in a state that allows this' },
  'webhook-conflict': {
    status: 409,
    title: 'The webhook endpoint or delivery does not allow this now',
  },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'internal-error': { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>

export type ProblemSlug = keyof typeof PROBLEM_TYPES

export function problemTypeUri(slug: ProblemSlug): string {
  return `urn:sence-gateway:problem:${slug}`
}

export interface ProblemBody {
  type: string
  title: string
  status: number
  detail: string
  instance?: string
  errors?: FieldError[]
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

/** Sends a problem: the status comes from the registry. */
export function sendProblem(
  reply: FastifyReply,
  slug: ProblemSlug,
  detail: string,
  extensions: Record<string, unknown> = {},
): FastifyReply {
  const body = problemBody(slug, detail, { instance: reply.request.url, ...extensions })
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(body)
}
