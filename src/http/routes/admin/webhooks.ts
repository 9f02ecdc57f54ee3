import type { FastifyInstance } from 'fastify'
import { DELIVERY_FAILURE_LABELS, DELIVERY_STATUS_LABELS } from '../../../pages/admin/labels.ts'
import { formatInstant } from '../../../pages/chile-time.ts'
import { isUuid } from '../../../sessions/session-id.ts'
import {
  type DeliveryFilters,
  DELIVERY_STATUSES,
  type DeliveryStatusName,
  getDelivery,
  InvalidCursorError,
  type LoggedDelivery,
  listDeliveries,
  redeliver,
} from '../../../webhooks/delivery-log.ts'
import { WEBHOOK_EVENT_TYPES } from '../../../webhooks/record-event.ts'
import { webhookBody } from '../../../webhooks/webhook-body.ts'
import type { GatewayServices } from '../../services.ts'
import { staffOf } from './admin-session.ts'
import { renderAdminMessage, renderAdminPage } from './render-admin.ts'
import { type FieldValue, readFieldInto } from './form-fields.ts'
import { filterQuery, readCursor } from './session-filters.ts'

const PAGE_SIZE = 50

interface DeliveryQuery {
  status?: FieldValue
  eventType?: FieldValue
  sessionId?: FieldValue
  cursor?: FieldValue
}

/** Notices shown after a redirect, by a fixed key, so that no text of the URL reaches the page. */
const NOTICES: Record<string, string> = {
  redelivered:
    'La entrega quedó pendiente y se enviará de nuevo en unos segundos, con el mismo webhook-id.',
}

/**
 * GET /admin/webhooks (deliveries, filtered), GET /admin/webhooks/{id}
 * (attempts and the body), POST /admin/webhooks/{id}/redeliver.
 */
export async function webhookPageRoutes(
  app: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const { prisma } = services.db

  app.get<{ Querystring: DeliveryQuery }>(
    '/webhooks',
    { schema: { hide: true } },
    async (request, reply) => {
      const { otecId } = staffOf(request)
      const { form, filters, problems } = readDeliveryFilters(request.query)
      let page
      try {
        page = await listDeliveries(prisma, otecId, filters, {
          cursor: readCursor(request.query.cursor),
          limit: PAGE_SIZE,
        })
      } catch (error) {
        if (!(error instanceof InvalidCursorError)) throw error
        return reply.redirect(`/admin/webhooks${filterQuery(form)}`, 303)
      }
      return renderAdminPage(reply, 'webhooks', {
        title: 'Entregas de webhooks',
        section: 'webhooks',
        form,
        problems,
        statuses: DELIVERY_STATUSES.map((status) => ({
          value: status,
          label: DELIVERY_STATUS_LABELS[status],
        })),
        eventTypes: [...WEBHOOK_EVENT_TYPES, 'webhook.test'],
        deliveries: page.deliveries.map(deliveryRow),
        nextPage:
          page.nextCursor === null
            ? null
            : `/admin/webhooks${filterQuery(form, { cursor: page.nextCursor })}`,
      })
    },
  )

  app.get<{ Params: { id: string }; Querystring: { notice?: string } }>(
    '/webhooks/:id',
    { schema: { hide: true } },
    async (request, reply) => {
      const { otecId } = staffOf(request)
      const delivery = await getDelivery(prisma, otecId, request.params.id)
      if (delivery === null) return deliveryNotFound(reply, request.params.id)
      return renderAdminPage(reply, 'webhook', {
        title: `Entrega ${delivery.id}`,
        section: 'webhooks',
        notice: NOTICES[request.query.notice ?? ''] ?? null,
        delivery: {
          ...deliveryRow(delivery),
          endpointUrl: delivery.endpoint.url,
          endpointEnabled: delivery.endpoint.enabled,
          nextAttemptAt:
            delivery.status === 'pending' ? formatInstant(delivery.nextAttemptAt) : null,
          body: JSON.stringify(JSON.parse(webhookBody(delivery.event.payload)), null, 2),
        },
        attempts: delivery.attempts.map((attempt) => ({
          attemptNumber: attempt.attemptNumber,
          outcome: attempt.outcome,
          outcomeLabel: attempt.outcome === 'succeeded' ? 'Entregado' : 'Fallido',
          url: attempt.url,
          startedAt: formatInstant(attempt.startedAt),
          durationMs: attempt.durationMs,
          statusCode: attempt.statusCode,
          error: attempt.error,
          responseExcerpt: attempt.responseExcerpt,
        })),
      })
    },
  )

  app.post<{ Params: { id: string } }>(
    '/webhooks/:id/redeliver',
    { schema: { hide: true } },
    async (request, reply) => {
      const { otecId } = staffOf(request)
      const result = await redeliver(prisma, otecId, request.params.id)
      if (result.ok) {
        request.log.info({ deliveryId: result.delivery.id }, 'webhook redelivery requested')
        return reply.redirect(`/admin/webhooks/${result.delivery.id}?notice=redelivered`, 303)
      }
      switch (result.reason) {
        case 'not_found':
          return deliveryNotFound(reply, request.params.id)
        case 'pending':
          return renderAdminMessage(reply, 409, 'La entrega ya está pendiente', [
            `El próximo intento será el ${formatInstant(result.nextAttemptAt)}; no hace falta reenviarla.`,
          ])
        case 'endpoint_disabled':
          return renderAdminMessage(reply, 409, 'El endpoint está desactivado', [
            'Actívelo en Configuración y vuelva a reenviar la entrega.',
          ])
      }
    },
  )
}

/**
 * Reads the filter form of the delivery list. A value that cannot be used
 * is left out of the filter, with a Spanish problem, as on the session list.
 */
function readDeliveryFilters(query: DeliveryQuery) {
  const problems: string[] = []
  const form = {
    status: readFieldInto(query.status, 'Estado', problems),
    eventType: readFieldInto(query.eventType, 'Evento', problems),
    sessionId: readFieldInto(query.sessionId, 'Id de la sesión', problems),
  }
  const filters: DeliveryFilters = {}
  if (form.status !== '') {
    if ((DELIVERY_STATUSES as readonly string[]).includes(form.status))
      filters.status = form.status as DeliveryStatusName
    else problems.push(`El estado "${form.status}" no existe.`)
  }
  if (form.eventType !== '') filters.eventType = form.eventType
  if (form.sessionId !== '') {
    // Session ids are UUIDs, and the column is PostgreSQL's uuid type, which rejects anything else.
    if (isUuid(form.sessionId)) filters.sessionId = form.sessionId
    else
      problems.push(
        `"${form.sessionId}" no es un id de sesión: los ids tienen la forma 3f2a9c4e-1b7d-4c55-9e0a-2d6f8b1c7e93. Cópielo de la página de la sesión.`,
      )
  }
  return { form, filters, problems }
}

function deliveryRow(delivery: LoggedDelivery) {
  return {
    id: delivery.id,
    webhookId: delivery.eventId,
    eventType: delivery.event.type,
    sessionId: delivery.event.sessionId,
    status: delivery.status,
    statusLabel: DELIVERY_STATUS_LABELS[delivery.status] ?? delivery.status,
    failureLabel:
      delivery.failureReason === null
        ? null
        : (DELIVERY_FAILURE_LABELS[delivery.failureReason] ?? delivery.failureReason),
    attemptCount: delivery.attemptCount,
    lastStatusCode: delivery.lastStatusCode,
    lastError: delivery.lastError,
    lastAttemptAt: formatInstant(delivery.lastAttemptAt),
    createdAt: formatInstant(delivery.createdAt),
    canRedeliver: delivery.status !== 'pending',
  }
}

function deliveryNotFound(reply: Parameters<typeof renderAdminMessage>[0], id: string) {
  return renderAdminMessage(reply, 404, 'Entrega no encontrada', [
    `Este OTEC no tiene una entrega de webhook con el id ${id}.`,
  ])
}
