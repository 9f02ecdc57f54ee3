import type { FastifyInstance } from 'fastify'
import { DELIVERY_FAILURE_LABELS, DELIVERY_STATUS_LABELS } from '../../../pages/admin/labels.ts'
import { formatInstant } from '../../../pages/chile-time.ts'
import {
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
import { filterQuery } from './session-filters.ts'

const PAGE_SIZE = 50

interface DeliveryQuery {
  status?: string
  eventType?: string
  sessionId?: string
  cursor?: string
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
      const form = {
        status: (DELIVERY_STATUSES as readonly string[]).includes(request.query.status ?? '')
          ? (request.query.status as string)
          : '',
        eventType: request.query.eventType ?? '',
        sessionId: request.query.sessionId ?? '',
      }
      let page
      try {
        page = await listDeliveries(
          prisma,
          otecId,
          {
            status: form.status === '' ? undefined : (form.status as DeliveryStatusName),
            eventType: form.eventType === '' ? undefined : form.eventType,
            sessionId: form.sessionId === '' ? undefined : form.sessionId,
          },
          { cursor: request.query.cursor, limit: PAGE_SIZE },
        )
      } catch (error) {
        if (!(error instanceof InvalidCursorError)) throw error
        return reply.redirect(`/admin/webhooks${filterQuery(form)}`, 303)
      }
      return renderAdminPage(reply, 'webhooks', {
        title: 'Entregas de webhooks',
        section: 'webhooks',
        form,
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
