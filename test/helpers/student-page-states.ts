// Every state of the student pages that the gateway renders from a
// MessagePage, made by the same page functions as the routes, and a test
// route that renders one of them through renderMessagePage as the routes do.

import type { FastifyInstance } from 'fastify'
import { rateLimitedCallbackPage, rateLimitedPage } from '../../src/http/rate-limits.ts'
import { renderMessagePage } from '../../src/http/render-page.ts'
import {
  badBrowserRequestPage,
  callbackOpenedDirectlyPage,
  callbackResultPage,
  internalErrorPage,
  type MessagePage,
  ticketRejectedPage,
  ticketUsedPage,
} from '../../src/pages/student-pages.ts'

const LMS = 'https://lms.example.cl/curso/42'

/** Pages made by the page functions, by name: every state the routes can send. */
export const MESSAGE_PAGES: Record<string, MessagePage> = {
  'ticket-unknown': ticketRejectedPage('unknown', null),
  'ticket-used': ticketRejectedPage('used', LMS),
  'ticket-expired': ticketRejectedPage('expired', LMS),
  'ticket-superseded': ticketRejectedPage('superseded', LMS),
  'callback-mismatch': {
    ...ticketRejectedPage('mismatch', LMS),
    reference: '3b1f1a2e-5c4d-4e6f-8a9b-0c1d2e3f4a5b',
  },
  'used-after-start': ticketUsedPage('started', `${LMS}?result=started`),
  'used-after-failed-start': ticketUsedPage('start_failed', `${LMS}?result=start_failed&error=308`),
  'used-after-close': ticketUsedPage('closed', `${LMS}?result=closed`),
  'used-after-failed-close': ticketUsedPage('close_failed', null),
  'result-started': callbackResultPage('started', []),
  'result-closed': callbackResultPage('closed', []),
  'result-start-failed-308': callbackResultPage('start_failed', [308]),
  'result-start-failed-311-312': callbackResultPage('start_failed', [311, 312]),
  'result-start-failed-no-code': callbackResultPage('start_failed', []),
  'result-close-failed-300': callbackResultPage('close_failed', [300]),
  'result-close-failed-overrun': callbackResultPage('close_failed', [301], {
    minutesOpen: 195,
    maxDurationMinutes: 180,
  }),
  'callback-foreign-origin': {
    ...ticketRejectedPage('foreign_origin', LMS),
    reference: '3b1f1a2e-5c4d-4e6f-8a9b-0c1d2e3f4a5b',
  },
  'callback-not-launched': {
    ...ticketRejectedPage('not_launched', LMS),
    reference: '3b1f1a2e-5c4d-4e6f-8a9b-0c1d2e3f4a5b',
  },
  'callback-opened-directly': callbackOpenedDirectlyPage(LMS),
  'unreadable-request': {
    ...badBrowserRequestPage(413),
    reference: '3b1f1a2e-5c4d-4e6f-8a9b-0c1d2e3f4a5b',
  },
  'internal-error': internalErrorPage('req-7f3a9c2e'),
  'rate-limited': rateLimitedPage(42),
  'rate-limited-callback': rateLimitedCallbackPage(42),
}

/** Adds GET /test-pages/{name}; call it before the app is ready. */
export function addMessagePageRoute(app: FastifyInstance): void {
  app.get<{ Params: { name: string } }>('/test-pages/:name', async (request, reply) => {
    const page = MESSAGE_PAGES[request.params.name]
    if (page === undefined) return reply.code(404).send()
    return renderMessagePage(reply, page)
  })
}
