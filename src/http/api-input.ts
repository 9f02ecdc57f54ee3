// Guards on what the API accepts before any handler runs: JSON bodies
// only, and no value that PostgreSQL or the validators cannot take. A NUL
// character is valid JSON and valid in a URL, but PostgreSQL rejects it in
// text and jsonb, and deeply nested JSON overflows the stack of
// JSON.stringify; both would otherwise end as a 500.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { sendProblem } from './problem.ts'

/** Deeper than this is no intent's metadata: a hostile body. */
export const JSON_MAX_DEPTH = 32

/** Raised by the JSON parser; the API's error handler sends it as a 400. */
export class UnacceptableJsonError extends Error {
  readonly statusCode = 400

  constructor(message: string) {
    super(message)
    this.name = 'UnacceptableJsonError'
  }
}

/**
 * Sets the scope's body parsers: JSON only (text/plain, which fastify
 * accepts by default, becomes a 415), with fastify's own JSON parser, which
 * rejects `__proto__` and `constructor` keys. An empty body counts as no
 * body, so that `curl -X POST -H 'Content-Type: application/json'` on a
 * close works.
 */
export function acceptJsonBodies(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString()
    if (text.trim() === '') {
      done(null, undefined)
      return
    }
    parseJson(request, text, (error, value) => {
      if (error !== null) return done(error, undefined)
      const problem = unacceptableJson(value)
      if (problem !== null) return done(new UnacceptableJsonError(problem), undefined)
      done(null, value)
    })
  })
}

/**
 * Returns why a parsed JSON value cannot be taken, or null. Iterative, so
 * any depth is safe. PostgreSQL's text and jsonb reject NUL characters and
 * lone UTF-16 surrogates (`"\\ud800"`), which JSON.parse accepts.
 */
export function unacceptableJson(value: unknown): string | null {
  const pending: [unknown, number][] = [[value, 0]]
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number]
    if (typeof current === 'string') {
      const problem = unstorableText(current)
      if (problem !== null) return problem
    } else if (typeof current === 'object' && current !== null) {
      if (depth >= JSON_MAX_DEPTH) return `The body is nested deeper than ${JSON_MAX_DEPTH} levels.`
      for (const [key, child] of Object.entries(current)) {
        const problem = unstorableText(key)
        if (problem !== null) return problem
        pending.push([child, depth + 1])
      }
    }
  }
  return null
}

function unstorableText(text: string): string | null {
  if (text.includes('\u0000')) return 'The body contains a NUL character (\\u0000).'
  if (!text.isWellFormed()) return 'The body contains a lone UTF-16 surrogate (such as \\ud800).'
  return null
}

/** An onRequest hook that rejects a URL with a NUL character (%00) in its path or query. */
export async function rejectNulInUrl(request: FastifyRequest, reply: FastifyReply) {
  if (/%00/i.test(request.url))
    return sendProblem(reply, 'invalid-request', 'The URL contains a NUL character (%00).')
}
