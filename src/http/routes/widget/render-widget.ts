// Sends the session widget's page, framed by the LMS's course page.

import type { FastifyReply } from 'fastify'
import type { WidgetPage } from '../../../pages/widget-page.ts'
import { serializeDirectives, widgetPageDirectives } from '../../security-headers.ts'

/**
 * Pages about a token that cannot be used may be framed anywhere: without
 * a session there is no OTEC to take the origins from, and the page has
 * no button to trick anyone into pressing.
 */
export const ANY_FRAME = ['*']

/**
 * Sends the widget page with a CSP that lets `frameAncestors` (the OTEC's
 * return origins) frame it. `token` is the one the page's form and script
 * use, with its expiry, from which the script times its first renewal.
 */
export function sendWidgetPage(
  reply: FastifyReply,
  page: WidgetPage,
  token: { token: string; expiresAt: Date } | null,
  frameAncestors: string[],
  status: number = page.status,
) {
  // Replaces @fastify/helmet's headers, which forbid framing, for this response only.
  reply.header('content-security-policy', serializeDirectives(widgetPageDirectives(frameAncestors)))
  reply.removeHeader('x-frame-options')
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .view('widget.eta', {
      ...page,
      token: token?.token ?? null,
      tokenExpiresAt: token?.expiresAt.toISOString() ?? null,
      serverNow: new Date().toISOString(),
    })
}

/** A link back to the LMS, at the origin of the session's return URL. */
export function lmsLink(returnUrl: string | null) {
  if (returnUrl === null) return undefined
  return { href: `${new URL(returnUrl).origin}/`, label: 'Volver al sitio del curso' }
}
