// The OpenAPI 3.1 document, generated from the routes' zod schemas by
// @fastify/swagger and fastify-type-provider-zod, served at /openapi.json
// with interactive docs (Swagger UI, served locally) at /docs.

import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { jsonSchemaTransform } from 'fastify-type-provider-zod'

export async function registerOpenApi(app: FastifyInstance, publicBaseUrl: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'sence-gateway',
        version: '1',
        description:
          'REST API for LMSs: login and logout intents for SENCE e-learning attendance, sessions and their events.',
      },
      servers: [{ url: publicBaseUrl }],
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'The OTEC’s API key (sk_test_… or sk_live_…).',
          },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}
