import type { FastifyReply } from 'fastify'
import type { MessagePage } from '../pages/student-pages.ts'

/** Sends one of the student pages (message.eta). Pages about a session are never cached. */
export function renderMessagePage(
  reply: FastifyReply,
  page: MessagePage,
  options: { simulation?: boolean } = {},
) {
  return reply
    .code(page.status)
    .header('cache-control', 'no-store')
    .view('message.eta', {
      title: page.title,
      paragraphs: page.paragraphs,
      link: page.link,
      reference: page.reference,
      simulation: options.simulation ?? false,
    })
}

export interface AutopostPage {
  title: string
  paragraphs: string[]
  action: string
  fields: Record<string, string>
  buttonLabel: string
  claveUnicaHelp?: boolean
  simulation?: boolean
}

/**
 * Sends a page whose form posts itself: a one-line script with this
 * response's CSP nonce submits it, and the visible button does the same
 * where JavaScript is off.
 */
export function renderAutopostPage(reply: FastifyReply, page: AutopostPage) {
  return reply
    .code(200)
    .header('cache-control', 'no-store')
    .view('autopost.eta', {
      ...page,
      claveUnicaHelp: page.claveUnicaHelp ?? false,
      simulation: page.simulation ?? false,
      nonce: reply.cspNonce.script,
    })
}
