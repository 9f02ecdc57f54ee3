// Sends an admin dashboard page: the template with what every page shows
// (the OTEC, the signed-in address, the navigation, a CSRF token for its
// forms). Pages hold an OTEC's students' data, so no cache keeps them.

import type { FastifyReply } from 'fastify'

export const ADMIN_NAVIGATION = [
  { key: 'overview', href: '/admin', label: 'Resumen' },
  { key: 'sessions', href: '/admin/sessions', label: 'Sesiones' },
  { key: 'open-sessions', href: '/admin/open-sessions', label: 'Sin cerrar' },
  { key: 'errors', href: '/admin/errors', label: 'Errores' },
  { key: 'webhooks', href: '/admin/webhooks', label: 'Webhooks' },
  { key: 'attendance', href: '/admin/attendance', label: 'Asistencia' },
  { key: 'settings', href: '/admin/settings', label: 'Configuración' },
] as const

export type AdminSection = (typeof ADMIN_NAVIGATION)[number]['key']

export interface AdminPage {
  title: string
  /** The navigation entry to mark as the current page. */
  section?: AdminSection | undefined
  status?: number
  [name: string]: unknown
}

export function renderAdminPage(reply: FastifyReply, template: string, page: AdminPage) {
  const staff = reply.request.staff
  return reply
    .code(page.status ?? 200)
    .header('cache-control', 'no-store')
    .view(`admin/${template}.eta`, {
      ...page,
      section: page.section ?? null,
      staff: staff === null ? null : { email: staff.email, name: staff.name },
      otec:
        staff === null
          ? null
          : { name: staff.otec.name, rut: staff.otec.rut, environment: staff.otec.environment },
      navigation: ADMIN_NAVIGATION,
      csrfToken: reply.generateCsrf(),
    })
}

/** Sends the dashboard's page for a failure: what happened and what to do, in a sentence each. */
export function renderAdminMessage(
  reply: FastifyReply,
  status: number,
  title: string,
  paragraphs: string[],
  reference?: string,
) {
  return renderAdminPage(reply, 'message', { title, paragraphs, reference, status })
}
