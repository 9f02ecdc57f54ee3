import type { PrismaClient } from '../persistence/database.ts'
import { isTicketShaped, sha256Hex } from '../security/random-tokens.ts'
import type { RequestProvenance } from './prepare-launch.ts'
import { recordBrowserEvent, recordSessionEvent } from './session-events.ts'

/** Context for a page about a ticket URL: the session's id and the LMS's return URL, when the ticket is known. */
export interface TicketRequestContext {
  sessionId: string | null
  returnUrl: string | null
}

/**
 * Stores a browser request to a callback URL that changes nothing (a GET,
 * a body that could not be read, an unknown endpoint) as an event of the ticket's session, or
 * of no session when the ticket is unknown. A known ticket's events are
 * counted and stored up to STORED_BROWSER_EVENTS_PER_TICKET.
 */
export async function recordTicketRequest(
  prisma: PrismaClient,
  input: {
    ticket: string
    type: 'callback_opened_directly' | 'callback_unreadable' | 'callback_rejected'
    detail: string
    provenance: RequestProvenance
    now?: Date
  },
): Promise<TicketRequestContext> {
  const ticket = isTicketShaped(input.ticket)
    ? await prisma.ticket.findUnique({
        where: { ticketHash: sha256Hex(input.ticket) },
        select: { id: true, sessionId: true, returnUrl: true },
      })
    : null

  const event = {
    type: input.type,
    request: { ...input.provenance },
    at: input.now ?? new Date(),
  }
  if (ticket === null)
    await recordSessionEvent(prisma, {
      ...event,
      sessionId: null,
      detail: `${input.detail} (unknown ticket)`,
    })
  else await recordBrowserEvent(prisma, ticket.id, { ...event, detail: input.detail })
  return { sessionId: ticket?.sessionId ?? null, returnUrl: ticket?.returnUrl ?? null }
}
