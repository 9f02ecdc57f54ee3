import type { FastifyInstance } from 'fastify'
import {
  DELIVERY_STATUS_LABELS,
  eventTypeLabel,
  SESSION_STATUS_LABELS,
} from '../../../pages/admin/labels.ts'
import { formatInstant, formatMinutes } from '../../../pages/chile-time.ts'
import type { Session } from '../../../persistence/generated/client.ts'
import { decodeSessionCursor, listSessions } from '../../../reports/list-sessions.ts'
import {
  countUnstoredBrowserEvents,
  STORED_BROWSER_EVENTS_PER_TICKET,
} from '../../../sessions/session-events.ts'
import { isUuid } from '../../../sessions/session-id.ts'
import { CLOSABLE_STATUSES, SESSION_STATUSES } from '../../../sessions/session-status.ts'
import { toSessionView } from '../../../sessions/session-view.ts'
import { listSessionWebhookEvents } from '../../../webhooks/delivery-log.ts'
import type { GatewayServices } from '../../services.ts'
import { staffOf } from './admin-session.ts'
import { renderAdminMessage, renderAdminPage } from './render-admin.ts'
import type { FieldValue } from './form-fields.ts'
import {
  filterQuery,
  readCursor,
  readSessionFilters,
  type SessionFilterQuery,
} from './session-filters.ts'

const PAGE_SIZE = 50

/** GET /admin/sessions (filters), /admin/sessions/{id} (the history) and /admin/open-sessions. */
export async function sessionPageRoutes(
  app: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const { prisma } = services.db

  app.get<{ Querystring: SessionFilterQuery }>(
    '/sessions',
    { schema: { hide: true } },
    async (request, reply) => {
      const { otecId } = staffOf(request)
      const { filters, form, problems } = readSessionFilters(request.query)
      const cursorText = readCursor(request.query.cursor)
      const cursor = cursorText === undefined ? null : decodeSessionCursor(cursorText)
      const page = await listSessions(prisma, otecId, filters, { cursor, limit: PAGE_SIZE })
      return renderAdminPage(reply, 'sessions', {
        title: 'Sesiones',
        section: 'sessions',
        form,
        problems,
        statuses: SESSION_STATUSES.map((status) => ({
          value: status,
          label: SESSION_STATUS_LABELS[status],
        })),
        sessions: page.sessions.map(sessionRow),
        nextPage:
          page.nextCursor === null
            ? null
            : `/admin/sessions${filterQuery(form, { cursor: page.nextCursor })}`,
        firstPage: cursor === null ? null : `/admin/sessions${filterQuery(form)}`,
      })
    },
  )

  app.get<{ Querystring: { cursor?: FieldValue } }>(
    '/open-sessions',
    { schema: { hide: true } },
    async (request, reply) => {
      const { otecId } = staffOf(request)
      const cursorText = readCursor(request.query.cursor)
      const cursor = cursorText === undefined ? null : decodeSessionCursor(cursorText)
      const page = await listSessions(
        prisma,
        otecId,
        { statuses: CLOSABLE_STATUSES },
        { cursor, limit: PAGE_SIZE },
      )
      const now = Date.now()
      return renderAdminPage(reply, 'open-sessions', {
        title: 'Sesiones sin cerrar',
        section: 'open-sessions',
        sessions: page.sessions.map((session) => {
          const minutesOpen =
            session.startedAt === null ? null : (now - session.startedAt.getTime()) / 60_000
          return {
            ...sessionRow(session),
            open: minutesOpen === null ? '—' : formatMinutes(minutesOpen),
            overMax: minutesOpen !== null && minutesOpen > session.maxDurationMinutes,
            maxDuration: formatMinutes(session.maxDurationMinutes),
          }
        }),
        nextPage:
          page.nextCursor === null
            ? null
            : `/admin/open-sessions${filterQuery({}, { cursor: page.nextCursor })}`,
      })
    },
  )

  app.get<{ Params: { id: string } }>(
    '/sessions/:id',
    { schema: { hide: true } },
    async (request, reply) => {
      const { otecId } = staffOf(request)
      const { id } = request.params
      const session = isUuid(id)
        ? await prisma.session.findFirst({
            where: { id, otecId },
            include: {
              events: { orderBy: { createdAt: 'asc' } },
              tickets: { select: { browserEventCount: true } },
            },
          })
        : null
      if (session === null)
        return renderAdminMessage(reply, 404, 'Sesión no encontrada', [
          `Este OTEC no tiene una sesión con el id ${id}.`,
        ])
      const webhookEvents = (await listSessionWebhookEvents(prisma, otecId, session.id)) ?? []
      return renderAdminPage(reply, 'session', {
        title: `Sesión ${session.id}`,
        section: 'sessions',
        session: sessionDetail(session),
        eventsNotStored: countUnstoredBrowserEvents(session.tickets),
        storedPerTicket: STORED_BROWSER_EVENTS_PER_TICKET,
        events: session.events.map((event) => ({
          at: formatInstant(event.createdAt),
          type: event.type,
          label: eventTypeLabel(event.type),
          change:
            event.toStatus === null
              ? null
              : `${event.fromStatus === null ? '—' : SESSION_STATUS_LABELS[event.fromStatus]} → ${SESSION_STATUS_LABELS[event.toStatus]}`,
          detail: event.detail,
          fields: event.fields === null ? null : JSON.stringify(event.fields, null, 2),
          request: event.request === null ? null : JSON.stringify(event.request, null, 2),
        })),
        webhookEvents: webhookEvents.map((event) => ({
          webhookId: event.id,
          type: event.type,
          createdAt: formatInstant(event.createdAt),
          deliveries: event.deliveries.map((delivery) => ({
            id: delivery.id,
            status: delivery.status,
            statusLabel: DELIVERY_STATUS_LABELS[delivery.status] ?? delivery.status,
            attemptCount: delivery.attemptCount,
            lastStatusCode: delivery.lastStatusCode,
          })),
        })),
      })
    },
  )
}

function sessionRow(session: Session) {
  return {
    id: session.id,
    createdAt: formatInstant(session.createdAt),
    runAlumno: session.runAlumno,
    codigoCurso: session.codigoCurso,
    status: session.status,
    statusLabel: SESSION_STATUS_LABELS[session.status],
    errorCodes: session.errorCodes.join(';'),
    startedAt: formatInstant(session.startedAt),
  }
}

function sessionDetail(session: Session) {
  const view = toSessionView(session)
  const minutes =
    session.startedAt !== null && session.closedAt !== null
      ? (session.closedAt.getTime() - session.startedAt.getTime()) / 60_000
      : null
  return {
    ...view,
    statusLabel: SESSION_STATUS_LABELS[session.status],
    created: formatInstant(session.createdAt),
    started: formatInstant(session.startedAt),
    closed: formatInstant(session.closedAt),
    duration: minutes === null ? null : formatMinutes(minutes),
    maxDuration: formatMinutes(session.maxDurationMinutes),
    metadataJson: session.metadata === null ? null : JSON.stringify(session.metadata, null, 2),
  }
}
