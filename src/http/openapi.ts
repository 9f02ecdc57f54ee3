// The OpenAPI 3.1 document, generated from the routes' zod schemas by
// @fastify/swagger and fastify-type-provider-zod, served at /openapi.json
// with interactive docs (Swagger UI, served locally) at /docs. Schemas with
// a zod `id` become components that the routes reference.

import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance, FastifySchema } from 'fastify'
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod'

const DESCRIPTION = `REST API of sence-gateway for LMSs: login and logout intents for SENCE
e-learning attendance, sessions with their events, and attendance reports.

Authenticate with the OTEC's API key: \`Authorization: Bearer sk_test_...\` (or
\`sk_live_...\` for an OTEC in SENCE's production environment). Every error is an
RFC 9457 problem (\`application/problem+json\`) whose \`type\` is a stable URN.
Send \`Idempotency-Key\` on creates and closes so that a retry never makes a
second intent. Every response carries \`X-Request-Id\`.`

export async function registerOpenApi(app: FastifyInstance, publicBaseUrl: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'sence-gateway', version: '1', description: DESCRIPTION },
      servers: [{ url: publicBaseUrl }],
      tags: [
        { name: 'sessions', description: 'Login and logout intents, and the sessions they make.' },
        { name: 'reports', description: 'Attendance per student and course.' },
        { name: 'admin', description: 'OTECs and their API keys, with ADMIN_API_KEY.' },
        { name: 'browser', description: 'URLs of the student’s browser, not of the LMS.' },
        { name: 'health', description: 'Probes for load balancers and orchestrators.' },
      ],
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'The OTEC’s API key (sk_test_… or sk_live_…).',
          },
          adminApiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'The deployment’s ADMIN_API_KEY, for /v1/admin only.',
          },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: (input) => jsonSchemaTransform({ ...input, schema: documentedSchema(input) }),
    transformObject: (input) => withoutUnusedComponents(jsonSchemaTransformObject(input)),
  })
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // The validator badge would load an image from another site, which the CSP forbids anyway.
    uiConfig: { validatorUrl: null, deepLinking: true },
  })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}

/**
 * The browser's routes are described here rather than in their files,
 * because their handlers read raw forms and have no zod schema. The
 * simulator stands for SENCE and is left out.
 */
const BROWSER_ROUTES: Record<string, FastifySchema & Record<string, unknown>> = {
  '/go/:ticket': {
    tags: ['browser'],
    security: [],
    summary: 'The page that sends the student to SENCE',
    description:
      'The startUrl and closeUrl of the API. An HTML page whose form posts itself to SENCE; it works without JavaScript.',
  },
  '/cb/:ticket/:endpoint': {
    tags: ['browser'],
    security: [],
    summary: 'SENCE’s callback through the student’s browser',
    description:
      'SENCE posts its answer here (endpoint `ok` or `err`); the gateway then sends the browser to the returnUrl with `session`, `result` and, on failure, `error` in its query.',
  },
}

/**
 * Drops the components that nothing references: the zod provider emits an
 * input and an output variant of every named schema, and most are used in
 * one direction only.
 */
function withoutUnusedComponents<T>(document: T): T {
  const { components } = document as { components?: { schemas?: Record<string, unknown> } }
  const schemas = components?.schemas
  if (schemas === undefined) return document
  const referenced = new Set<string>()
  const pending = [JSON.stringify({ ...document, components: { ...components, schemas: {} } })]
  while (pending.length > 0) {
    for (const match of (pending.pop() as string).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      const name = match[1] as string
      if (referenced.has(name)) continue
      referenced.add(name)
      pending.push(JSON.stringify(schemas[name] ?? null))
    }
  }
  for (const name of Object.keys(schemas)) if (!referenced.has(name)) delete schemas[name]
  return document
}

function documentedSchema(input: { schema: FastifySchema; url: string }): FastifySchema {
  if (input.url.startsWith('/simulator')) return { ...input.schema, hide: true } as FastifySchema
  const browser = BROWSER_ROUTES[input.url]
  return browser === undefined ? input.schema : { ...input.schema, ...browser }
}
