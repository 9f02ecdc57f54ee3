import type { FastifyInstance } from 'fastify'
import type { GatewayServices } from '../services.ts'

/** GET /healthz: the process is up and serving HTTP. It does not touch the database. */
export async function healthRoutes(
  app: FastifyInstance,
  _services: GatewayServices,
): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }))
}
