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
 * rejects `__proto__` and `constructor` keys (findPrototypeKey names the
 * key in the problem). An empty body counts as no body, so that
 * `curl -X POST -H 'Content-Type: application/json'` on a close works.
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
      if (error !== null) {
        // The error handler would report these keys as invalid JSON, which they are not.
        const prototypeKey = findPrototypeKey(text)
        if (prototypeKey !== null) return done(new UnacceptableJsonError(prototypeKey), undefined)
        return done(error, undefined)
      }
      const problem = unacceptableJson(value)
      if (problem !== null) return done(new UnacceptableJsonError(problem), undefined)
      done(null, value)
    })
  })
}

/**
 * Returns the problem of a body that is valid JSON but has a key that
 * fastify's parser rejects: `__proto__`, or `constructor` holding a
 * `prototype`. Either could change the prototype of the objects the body
 * becomes. Returns null when the text is not JSON or has no such key.
 */
export function findPrototypeKey(text: string): string | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return null
  }
  const pending: [unknown, string[]][] = [[parsed, []]]
  while (pending.length > 0) {
    const [current, path] = pending.pop() as [unknown, string[]]
    if (typeof current !== 'object' || current === null) continue
    for (const [key, child] of Object.entries(current)) {
      const childPath = [...path, key]
      const where = `"${key}" at ${childPath.join('.')}`
      if (key === '__proto__')
        return `The body contains the key ${where}, which the API rejects because it could change the prototype of objects; rename or remove it.`
      const holdsPrototype =
        key === 'constructor' && typeof child === 'object' && child !== null && 'prototype' in child
      if (holdsPrototype)
        return `The body contains the key ${where} with a "prototype" key inside, which the API rejects because it could change the prototype of objects; rename or remove it.`
      if (childPath.length < JSON_MAX_DEPTH) pending.push([child, childPath])
    }
  }
  return null
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
