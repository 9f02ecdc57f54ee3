// The admin dashboard's cookies and the hook that requires a signed-in
// staff account. Over https the cookies carry the `__Host-` prefix, which
// the browser accepts only with Secure, Path=/ and no Domain, so that no
// other site or subdomain can set them (cookie tossing).

import type { FastifyReply, FastifyRequest } from 'fastify'
import type { PrismaClient } from '../../../persistence/database.ts'
import {
  findStaffSession,
  SESSION_MAX_SECONDS,
  type SignedInStaff,
} from '../../../staff/staff-sessions.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in staff account and its OTEC, on the admin routes that require one. */
    staff: SignedInStaff['staff'] | null
  }
}

export interface AdminCookies {
  /** The staff session's token. */
  session: string
  /** The CSRF secret of @fastify/csrf-protection. */
  csrf: string
  secure: boolean
}

export function adminCookies(publicBaseUrl: string): AdminCookies {
  const secure = publicBaseUrl.startsWith('https:')
  const prefix = secure ? '__Host-' : ''
  return { session: `${prefix}sg_admin`, csrf: `${prefix}sg_csrf`, secure }
}

/**
 * Options of the session cookie: HttpOnly, so that no script reads it;
 * SameSite=Lax, so that a link from an email to a session's page opens it
 * signed in, while forms from other sites are stopped by the CSRF token.
 */
export function sessionCookieOptions(cookies: AdminCookies) {
  return {
    path: '/',
    httpOnly: true,
    secure: cookies.secure,
    sameSite: 'lax' as const,
    maxAge: SESSION_MAX_SECONDS,
  }
}

/** Removes one of the dashboard's cookies; a `__Host-` cookie is removed only with the attributes it was set with. */
export function clearAdminCookie(reply: FastifyReply, name: string, cookies: AdminCookies): void {
  reply.clearCookie(name, { path: '/', secure: cookies.secure, httpOnly: true })
}

/** Returns an onRequest hook that lets signed-in staff through and sends anyone else to the sign-in page. */
export function requireStaff(prisma: PrismaClient, cookies: AdminCookies) {
  return async function authenticateStaff(request: FastifyRequest, reply: FastifyReply) {
    const token = request.cookies[cookies.session]
    const signedIn =
      token === undefined || token === '' ? null : await findStaffSession(prisma, token)
    if (signedIn === null) {
      if (token !== undefined) clearAdminCookie(reply, cookies.session, cookies)
      const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : ''
      return reply.header('cache-control', 'no-store').redirect(`/admin/sign-in${next}`, 303)
    }
    request.staff = signedIn.staff
    request.log = request.log.child({ staffId: signedIn.staff.id, otecId: signedIn.staff.otecId })
  }
}

/** Returns the signed-in account of a route behind requireStaff. */
export function staffOf(request: FastifyRequest): SignedInStaff['staff'] {
  if (request.staff === null) throw new Error('this admin route requires a signed-in staff account')
  return request.staff
}

/** Returns the page to open after sign-in: an /admin path from `next`, or the dashboard. */
export function safeNextPath(next: unknown): string {
  if (typeof next !== 'string') return '/admin'
  // Only a path of this site's dashboard: never `//host` or an absolute URL, which would be an open redirect.
  if (!/^\/admin(?:[/?][^\s\\]*)?$/.test(next) || next.startsWith('//')) return '/admin'
  if (next.startsWith('/admin/sign-')) return '/admin'
  return next
}
