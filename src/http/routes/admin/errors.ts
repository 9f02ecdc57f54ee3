import type { FastifyInstance } from 'fastify'
import { DateTime } from 'luxon'
import { endOfChileDay, formatInstant, startOfChileDay } from '../../../pages/chile-time.ts'
import { describeSenceError } from '../../../protocol/error-table.ts'
import { DEFAULT_SENCE_ZONE } from '../../../protocol/sence-time.ts'
import { summarizeErrorCodes } from '../../../reports/error-summary.ts'
import type { GatewayServices } from '../../services.ts'
import { staffOf } from './admin-session.ts'
import { renderAdminPage } from './render-admin.ts'
import { filterQuery } from './session-filters.ts'

const DEFAULT_RANGE_DAYS = 30

/** GET /admin/errors: the SENCE codes of failed sessions, each with its guidance for staff. */
export async function errorPageRoutes(
  app: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/errors',
    { schema: { hide: true } },
    async (request, reply) => {
      const { otecId } = staffOf(request)
      const today = DateTime.now().setZone(DEFAULT_SENCE_ZONE)
      const form = {
        from:
          request.query.from ??
          (today.minus({ days: DEFAULT_RANGE_DAYS - 1 }).toISODate() as string),
        to: request.query.to ?? (today.toISODate() as string),
      }
      const counts = await summarizeErrorCodes(services.db.prisma, otecId, {
        from: startOfChileDay(form.from),
        to: endOfChileDay(form.to),
      })
      return renderAdminPage(reply, 'errors', {
        title: 'Errores de SENCE',
        section: 'errors',
        form,
        errors: counts.map((count) => {
          const entry = describeSenceError(count.code)
          return {
            ...count,
            lastAt: formatInstant(count.lastAt),
            meaning: entry.meaning,
            message: entry.message,
            guidance: entry.guidance,
            reportToSence: entry.reportToSence,
            checkedBeforeRedirect: entry.checkedBeforeRedirect,
            sessionsUrl: `/admin/sessions${filterQuery({ ...form, errorCode: String(count.code) })}`,
          }
        }),
      })
    },
  )
}
