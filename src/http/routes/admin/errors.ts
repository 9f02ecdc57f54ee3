import type { FastifyInstance } from 'fastify'
import { DateTime } from 'luxon'
import { endOfChileDay, formatInstant, startOfChileDay } from '../../../pages/chile-time.ts'
import { describeSenceError } from '../../../protocol/error-table.ts'
import { DEFAULT_SENCE_ZONE } from '../../../protocol/sence-time.ts'
import { summarizeErrorCodes } from '../../../reports/error-summary.ts'
import type { GatewayServices } from '../../services.ts'
import { staffOf } from './admin-session.ts'
import { renderAdminPage } from './render-admin.ts'
import { type FieldValue, readFieldInto } from './form-fields.ts'
import { filterQuery, readDateFilter } from './session-filters.ts'

const DEFAULT_RANGE_DAYS = 30

/** GET /admin/errors: the SENCE codes of failed sessions, each with its guidance for staff. */
export async function errorPageRoutes(
  app: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  app.get<{ Querystring: { from?: FieldValue; to?: FieldValue } }>(
    '/errors',
    { schema: { hide: true } },
    async (request, reply) => {
      const { otecId } = staffOf(request)
      const today = DateTime.now().setZone(DEFAULT_SENCE_ZONE)
      const problems: string[] = []
      const from = readFieldInto(request.query.from, 'Sesiones creadas desde', problems)
      const to = readFieldInto(request.query.to, 'hasta', problems)
      const form = {
        from:
          from === ''
            ? (today.minus({ days: DEFAULT_RANGE_DAYS - 1 }).toISODate() as string)
            : from,
        to: to === '' ? (today.toISODate() as string) : to,
      }
      // An unreadable date shows no counts: counts of a longer range would pass for the one asked for.
      const range = {
        from: readDateFilter(form.from, startOfChileDay, 'desde', problems),
        to: readDateFilter(form.to, endOfChileDay, 'hasta', problems),
      }
      const counts =
        problems.length > 0 ? [] : await summarizeErrorCodes(services.db.prisma, otecId, range)
      return renderAdminPage(reply, 'errors', {
        title: 'Errores de SENCE',
        section: 'errors',
        form,
        problems,
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
