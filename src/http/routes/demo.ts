// A stand-in LMS for the embedded demo at /demo: it creates intents for the
// demo OTEC through the same use cases as the REST API and shows the result
// the gateway appends to the return URL. Mounted only in the embedded mode.

import formbody from '@fastify/formbody'
import type { FastifyInstance } from 'fastify'
import { createLoginIntent } from '../../sessions/create-intent.ts'
import { requestClose } from '../../sessions/request-close.ts'
import { renderMessagePage } from '../render-page.ts'
import type { GatewayServices } from '../services.ts'

export async function demoRoutes(
  app: FastifyInstance,
  services: GatewayServices & { demoOtecId: string },
): Promise<void> {
  app.removeAllContentTypeParsers()
  await app.register(formbody, { bodyLimit: 4096 })
  const { prisma } = services.db
  const settings = {
    publicBaseUrl: services.settings.publicBaseUrl,
    pendingTtlSeconds: services.settings.pendingTtlSeconds,
  }
  const backUrl = `${services.settings.publicBaseUrl}/demo/back`

  const loadOtec = () => prisma.otec.findUniqueOrThrow({ where: { id: services.demoOtecId } })

  app.get('/demo', async (_request, reply) => reply.view('demo.eta', { result: null }))

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/demo/back',
    async (request, reply) => {
      const { session, result, error } = request.query
      return reply.header('cache-control', 'no-store').view('demo.eta', {
        session,
        result: result ?? 'desconocido',
        error,
        canClose: result === 'started' || result === 'close_failed',
      })
    },
  )

  app.post<{ Body: Record<string, string> }>('/demo/start', async (request, reply) => {
    const otec = await loadOtec()
    const line = Number(request.body['lineaCapacitacion'] ?? '3')
    const created = await createLoginIntent(
      prisma,
      settings,
      otec,
      services.secrets.open(otec.senceTokenSealed),
      {
        runAlumno: request.body['runAlumno'],
        codSence: line === 1 ? '' : '-1',
        codigoCurso: request.body['codigoCurso'],
        lineaCapacitacion: line,
        returnUrl: backUrl,
      },
    )
    if (!created.ok) {
      return renderMessagePage(
        reply,
        {
          status: 422,
          title: 'Datos no válidos',
          paragraphs: created.errors.map((error) => `${error.field}: ${error.detail}`),
          link: { href: '/demo', label: 'Volver' },
        },
        { simulation: true },
      )
    }
    return reply.redirect(created.startUrl, 303)
  })

  app.post<{ Body: Record<string, string> }>('/demo/close', async (request, reply) => {
    const otec = await loadOtec()
    const closing = await requestClose(
      prisma,
      settings,
      otec,
      services.secrets.open(otec.senceTokenSealed),
      request.body['session'] ?? '',
      { returnUrl: backUrl },
    )
    if (!closing.ok) {
      return renderMessagePage(
        reply,
        {
          status: 409,
          title: 'No se puede cerrar',
          paragraphs: [`La sesión no se puede cerrar (${closing.reason}).`],
          link: { href: '/demo', label: 'Volver' },
        },
        { simulation: true },
      )
    }
    return reply.redirect(closing.closeUrl, 303)
  })
}
