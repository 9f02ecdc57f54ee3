import type { FastifyInstance } from 'fastify'
import { maskEmail } from '../../../staff/staff-accounts.ts'
import { LOCK_OUT_SECONDS, MAX_SIGN_IN_ATTEMPTS, signIn } from '../../../staff/sign-in.ts'
import { closeStaffSession, findStaffSession } from '../../../staff/staff-sessions.ts'
import type { GatewayServices } from '../../services.ts'
import { byClientIp, rateLimitHook } from '../../rate-limits.ts'
import {
  type AdminCookies,
  clearAdminCookie,
  safeNextPath,
  sessionCookieOptions,
} from './admin-session.ts'
import { renderAdminPage } from './render-admin.ts'

/** Sign-in attempts per minute from one client IP, over every account: the lock-out is per account. */
const SIGN_IN_PER_IP_PER_MINUTE = 20

/**
 * One message for an unknown address, a wrong password and a locked
 * account, so that the page does not reveal which addresses have an account.
 */
const SIGN_IN_FAILED =
  `El correo o la contraseña no son correctos, o la cuenta está bloqueada. Después de ` +
  `${MAX_SIGN_IN_ATTEMPTS} intentos fallidos la cuenta se bloquea por ${LOCK_OUT_SECONDS / 60} minutos.`

interface SignInBody {
  email?: string
  password?: string
  next?: string
}

/** GET and POST /admin/sign-in, POST /admin/sign-out. */
export async function signInRoutes(
  app: FastifyInstance,
  services: GatewayServices,
  cookies: AdminCookies,
): Promise<void> {
  const { prisma } = services.db
  const limitSignIns = rateLimitHook(app, [byClientIp(SIGN_IN_PER_IP_PER_MINUTE)])

  app.get<{ Querystring: { next?: string; 'signed-out'?: string } }>(
    '/sign-in',
    { schema: { hide: true } },
    async (request, reply) => {
      const token = request.cookies[cookies.session]
      if (token !== undefined && (await findStaffSession(prisma, token)) !== null)
        return reply.redirect(safeNextPath(request.query.next), 303)
      return renderAdminPage(reply, 'sign-in', {
        title: 'Ingresar al panel',
        next: safeNextPath(request.query.next),
        email: '',
        error: null,
        signedOut: request.query['signed-out'] !== undefined,
      })
    },
  )

  app.post<{ Body: SignInBody }>(
    '/sign-in',
    { schema: { hide: true }, onRequest: limitSignIns },
    async (request, reply) => {
      const email = String(request.body?.email ?? '')
      const next = safeNextPath(request.body?.next)
      // PostgreSQL rejects a NUL character in text, and no account's address has one.
      if (email.includes('\u0000')) {
        request.log.info({ reason: 'nul_in_email' }, 'staff sign-in failed')
        return renderAdminPage(reply, 'sign-in', {
          title: 'Ingresar al panel',
          next,
          email: '',
          error: SIGN_IN_FAILED,
          signedOut: false,
          status: 401,
        })
      }
      const result = await signIn(
        prisma,
        { email, password: String(request.body?.password ?? '') },
        { ip: request.ip, userAgent: request.headers['user-agent'] },
      )
      if (!result.ok) {
        const fields = { reason: result.reason, staffId: result.staffId, email: maskEmail(email) }
        if (result.reason === 'locked')
          request.log.warn(fields, 'staff sign-in rejected: account locked')
        else request.log.info(fields, 'staff sign-in failed')
        return renderAdminPage(reply, 'sign-in', {
          title: 'Ingresar al panel',
          next,
          email,
          error: SIGN_IN_FAILED,
          signedOut: false,
          status: 401,
        })
      }

      request.log.info({ staffId: result.staff.id, otecId: result.staff.otecId }, 'staff signed in')
      // A new CSRF secret with the new session: one set before sign-in is not trusted after it.
      clearAdminCookie(reply, cookies.csrf, cookies)
      reply.setCookie(cookies.session, result.token, sessionCookieOptions(cookies))
      return reply.header('cache-control', 'no-store').redirect(next, 303)
    },
  )

  app.post('/sign-out', { schema: { hide: true } }, async (request, reply) => {
    const token = request.cookies[cookies.session]
    if (token !== undefined) await closeStaffSession(prisma, token)
    request.log.info({}, 'staff signed out')
    clearAdminCookie(reply, cookies.session, cookies)
    clearAdminCookie(reply, cookies.csrf, cookies)
    return reply.redirect('/admin/sign-in?signed-out=1', 303)
  })
}
