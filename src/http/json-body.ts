import type { FastifyInstance } from 'fastify'

/**
 * Replaces the scope's JSON parser with fastify's own, except that an empty
 * body counts as no body, so that `curl -X POST -H 'Content-Type:
 * application/json'` on a close works. `__proto__` and `constructor` keys
 * are still rejected with a 400.
 */
export function acceptEmptyJsonBody(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString()
    if (text.trim() === '') {
      done(null, undefined)
      return
    }
    parseJson(request, text, done)
  })
}
