// The admin dashboard for OTEC staff at /admin: server-rendered Spanish
// pages without scripts, behind a sign-in with per-OTEC staff accounts.
// Every query is scoped to the signed-in account's OTEC. Every POST carries
// a CSRF token (@fastify/csrf-protection, its secret in a cookie of its
// own); GET routes change nothing.

import cookie from '@fastify/cookie'
import csrfProtection from '@fastify/csrf-protection'
import formbody from '@fastify/formbody'
import type { FastifyError, FastifyInstance } from 'fastify'
import { byClientIp, RateLimitedError, rateLimitHook } from '../../rate-limits.ts'
import type { GatewayServices } from '../../services.ts'
import { adminCookies, requireStaff } from './admin-session.ts'
import { attendancePageRoutes } from './attendance.ts'
import { errorPageRoutes } from './errors.ts'
import { overviewRoutes } from './overview.ts'
import { renderAdminMessage } from './render-admin.ts'
import { sessionPageRoutes } from './sessions.ts'
import { settingsPageRoutes } from './settings.ts'
import { signInRoutes } from './sign-in.ts'
import { webhookPageRoutes } from './webhooks.ts'

/** Form bodies of the dashboard: the settings form with its origins is the largest. */
const ADMIN_BODY_LIMIT_BYTES = 64 * 1024

export async function adminRoutes(app: FastifyInstance, services: GatewayServices): Promise<void> {
  const cookies = adminCookies(services.settings.publicBaseUrl)

  await app.register(
    async (admin) => {
      admin.removeAllContentTypeParsers()
      await admin.register(formbody, { bodyLimit: ADMIN_BODY_LIMIT_BYTES })
      await admin.register(cookie)
      await admin.register(csrfProtection, {
        cookieKey: cookies.csrf,
        cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure: cookies.secure },
        // Only from the form body: the dashboard's forms are plain HTML forms.
        getToken: (request) => (request.body as { _csrf?: string } | undefined)?._csrf,
      })
      admin.decorateRequest('staff', null)
      admin.addHook(
        'onRequest',
        rateLimitHook(admin, [byClientIp(services.settings.rateLimitBrowserPerIpPerMinute)]),
      )
      // preHandler, not onRequest: the token is in the body, which is parsed by then.
      admin.addHook('preHandler', (request, reply, done) => {
        if (request.method !== 'POST') return done()
        admin.csrfProtection(request, reply, done)
      })
      admin.setErrorHandler((error: FastifyError, request, reply) => {
        if (error instanceof RateLimitedError)
          return renderAdminMessage(reply, 429, 'Demasiadas solicitudes', [
            `Espere ${error.retryAfterSeconds} segundos y vuelva a intentarlo.`,
          ])
        if (error.code === 'FST_CSRF_MISSING_SECRET' || error.code === 'FST_CSRF_INVALID_TOKEN') {
          request.log.info({ code: error.code }, 'admin form rejected: CSRF token')
          return renderAdminMessage(reply, 403, 'El formulario venció', [
            'No pudimos confirmar que el formulario venía de este panel, así que no se cambió nada.',
            'Vuelva a la página, recárguela y envíe el formulario de nuevo.',
          ])
        }
        const status = error.statusCode ?? 500
        if (status >= 400 && status < 500) {
          request.log.info({ err: error }, 'unreadable admin request')
          return renderAdminMessage(reply, status, 'No pudimos leer la solicitud', [
            'Vuelva a la página anterior e inténtelo de nuevo.',
          ])
        }
        request.log.error({ err: error }, 'admin request failed')
        return renderAdminMessage(
          reply,
          500,
          'Tuvimos un problema',
          [
            'La página no se pudo mostrar por un error del gateway. Inténtelo de nuevo en unos minutos.',
          ],
          request.id,
        )
      })
      admin.setNotFoundHandler((_request, reply) =>
        renderAdminMessage(reply, 404, 'Página no encontrada', [
          'Esta dirección no existe en el panel.',
        ]),
      )

      await signInRoutes(admin, services, cookies)
      await admin.register(async (signedIn) => {
        signedIn.addHook('onRequest', requireStaff(services.db.prisma, cookies))
        await overviewRoutes(signedIn, services)
        await sessionPageRoutes(signedIn, services)
        await errorPageRoutes(signedIn, services)
        await webhookPageRoutes(signedIn, services)
        await attendancePageRoutes(signedIn, services)
        await settingsPageRoutes(signedIn, services)
      })
    },
    { prefix: '/admin' },
  )
}
