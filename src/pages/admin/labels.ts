// Spanish words of the admin dashboard: statuses, event types and delivery states.

import type { SessionEventType } from '../../sessions/session-events.ts'
import type { SessionStatus } from '../../sessions/session-status.ts'

export const SESSION_STATUS_LABELS: Record<SessionStatus, string> = {
  pending: 'Pendiente',
  started: 'Iniciada',
  start_failed: 'Inicio fallido',
  expired: 'Vencida',
  closing: 'Cerrando',
  closed: 'Cerrada',
  close_failed: 'Cierre fallido',
}

export const EVENT_TYPE_LABELS: Record<SessionEventType, string> = {
  intent_created: 'El LMS creó la intención de inicio',
  launch_page_served: 'El navegador salió hacia SENCE',
  launch_rejected: 'Enlace de salida rechazado',
  callback_applied: 'SENCE respondió',
  callback_duplicate: 'Respuesta de SENCE repetida',
  callback_rejected: 'Respuesta de SENCE rechazada',
  callback_mismatch: 'Respuesta de SENCE con datos distintos',
  callback_opened_directly: 'Dirección de respuesta abierta a mano',
  callback_unreadable: 'Respuesta de SENCE ilegible',
  close_requested: 'El LMS pidió el cierre',
  session_expired: 'Venció sin respuesta de SENCE',
  close_ticket_expired: 'El cierre venció sin respuesta de SENCE',
}

export const DELIVERY_STATUS_LABELS: Record<string, string> = {
  pending: 'Pendiente',
  succeeded: 'Entregado',
  failed: 'Fallido',
}

export const DELIVERY_FAILURE_LABELS: Record<string, string> = {
  attempts_exhausted: 'se agotaron los reintentos',
  endpoint_gone: 'el receptor respondió 410 (ya no existe)',
  endpoint_disabled: 'el endpoint está desactivado',
}

/** Returns the label of an event type, or the type itself for a type this table does not have. */
export function eventTypeLabel(type: string): string {
  return EVENT_TYPE_LABELS[type as SessionEventType] ?? type
}
