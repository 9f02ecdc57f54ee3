import { Validator } from '@seriousme/openapi-schema-validator'
import t from 'tap'
import { startTestGateway } from '../helpers/gateway.ts'

/**
 * Routes that are not part of the HTTP contract: the docs themselves, the
 * stylesheet, the simulator (it stands for SENCE), the embedded demo and
 * the staff's dashboard (pages for people, docs/admin.md). Every other
 * route, whoever adds it, must be in the document.
 */
// Probes and metrics are for the operator, not the integrator; docs/operations.md covers them.
const UNDOCUMENTED_PREFIXES = [
  '/docs',
  '/openapi.json',
  '/assets/',
  '/simulator',
  '/demo',
  '/admin',
  '/healthz',
  '/readyz',
  '/metrics',
]

t.test('GET /openapi.json', async (t) => {
  const gateway = await startTestGateway(t)
  const response = await gateway.app.inject({ method: 'GET', url: '/openapi.json' })
  t.equal(response.statusCode, 200)
  const document = response.json()

  t.test('valid OpenAPI 3.1', async (t) => {
    t.equal(document.openapi, '3.1.0')
    const result = await new Validator().validate(document)
    t.same(result.errors, undefined, 'no validation errors')
    t.equal(result.valid, true)
  })

  t.test('every route is documented', async (t) => {
    const routes = gateway.app.registeredRoutes.filter(
      (route) =>
        route.method !== 'HEAD' &&
        !UNDOCUMENTED_PREFIXES.some((prefix) => route.url.startsWith(prefix)),
    )
    t.ok(routes.length >= 10, `${routes.length} routes to check`)
    for (const route of routes) {
      const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}')
      t.ok(
        document.paths[path]?.[route.method.toLowerCase()],
        `${route.method} ${route.url} is in the document`,
      )
    }
  })

  t.test('API operations are described', async (t) => {
    for (const [path, operations] of Object.entries(document.paths) as [string, object][]) {
      if (!path.startsWith('/v1/')) continue
      for (const [method, operation] of Object.entries(operations) as [string, any][]) {
        const name = `${method.toUpperCase()} ${path}`
        t.type(operation.summary, 'string', `${name} has a summary`)
        t.ok(operation.tags?.length > 0, `${name} has a tag`)
        const success = Object.keys(operation.responses).filter((status) => status.startsWith('2'))
        t.equal(success.length, 1, `${name} documents its success response`)
        t.ok(
          operation.responses['401']?.content?.['application/problem+json'],
          `${name} documents its problems`,
        )
      }
    }
    const create = document.paths['/v1/sessions'].post
    t.ok(
      create.parameters.some((parameter: any) => parameter.name === 'idempotency-key'),
      'Idempotency-Key is documented',
    )
    t.same(
      document.paths['/v1/admin/otecs'].post.security,
      [{ adminApiKey: [] }],
      'admin routes use the admin key',
    )
    t.ok(document.components.schemas.Problem, 'the problem schema is a component')
  })

  t.test('interactive docs', async (t) => {
    const docs = await gateway.app.inject({ method: 'GET', url: '/docs/' })
    t.equal(docs.statusCode, 200)
    t.match(docs.body, /swagger-ui/)
    const json = await gateway.app.inject({ method: 'GET', url: '/docs/json' })
    t.same(json.json().paths, document.paths, '/docs shows the same document')
  })
})
