import type { FastifyInstance } from 'fastify'
import {
  endOfChileDay,
  formatInstant,
  formatMinutes,
  startOfChileDay,
} from '../../../pages/chile-time.ts'
import { attendanceCsv } from '../../../reports/attendance-csv.ts'
import { ATTENDANCE_MAX_ROWS, attendanceReport } from '../../../reports/attendance.ts'
import { listCourses } from '../../../reports/dashboard-counts.ts'
import type { GatewayServices } from '../../services.ts'
import { staffOf } from './admin-session.ts'
import { renderAdminMessage, renderAdminPage } from './render-admin.ts'
import { filterQuery } from './session-filters.ts'

interface AttendanceQuery {
  codigoCurso?: string
  from?: string
  to?: string
  delimiter?: string
}

const TOO_MANY_ROWS = `El informe tiene más de ${ATTENDANCE_MAX_ROWS} filas: elija un curso o un rango de fechas más corto.`

/** GET /admin/attendance (per course, in a table) and GET /admin/attendance.csv (the same as a file). */
export async function attendancePageRoutes(
  app: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const { prisma } = services.db

  app.get<{ Querystring: AttendanceQuery }>(
    '/attendance',
    { schema: { hide: true } },
    async (request, reply) => {
      const { otecId } = staffOf(request)
      const form = readForm(request.query)
      const courses = await listCourses(prisma, otecId)
      // Without a course the page shows only the choice: the whole OTEC's
      // report can be long, and is there as a CSV.
      const report =
        form.codigoCurso === '' ? null : await attendanceReport(prisma, otecId, filtersOf(form))
      if (report !== null && !report.ok)
        return renderAdminMessage(reply, 422, 'Informe muy largo', [TOO_MANY_ROWS])
      return renderAdminPage(reply, 'attendance', {
        title: 'Asistencia por curso',
        section: 'attendance',
        form,
        courses,
        rows:
          report === null
            ? null
            : report.rows.map((row) => ({
                ...row,
                total: formatMinutes(row.totalMinutes),
                firstStartedAt: formatInstant(
                  row.firstStartedAt === null ? null : new Date(row.firstStartedAt),
                ),
                lastStartedAt: formatInstant(
                  row.lastStartedAt === null ? null : new Date(row.lastStartedAt),
                ),
              })),
        csvComma: `/admin/attendance.csv${filterQuery(form)}`,
        csvSemicolon: `/admin/attendance.csv${filterQuery(form, { delimiter: 'semicolon' })}`,
      })
    },
  )

  app.get<{ Querystring: AttendanceQuery }>(
    '/attendance.csv',
    { schema: { hide: true } },
    async (request, reply) => {
      const { otecId } = staffOf(request)
      const form = readForm(request.query)
      const report = await attendanceReport(prisma, otecId, filtersOf(form))
      if (!report.ok) return renderAdminMessage(reply, 422, 'Informe muy largo', [TOO_MANY_ROWS])
      const name =
        form.codigoCurso === '' ? 'asistencia' : `asistencia-${fileSafe(form.codigoCurso)}`
      return reply
        .header('cache-control', 'no-store')
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}.csv"`)
        .send(attendanceCsv(report.rows, request.query.delimiter === 'semicolon' ? ';' : ','))
    },
  )
}

function readForm(query: AttendanceQuery) {
  return {
    codigoCurso: (query.codigoCurso ?? '').trim(),
    from: (query.from ?? '').trim(),
    to: (query.to ?? '').trim(),
  }
}

function filtersOf(form: ReturnType<typeof readForm>) {
  return {
    codigoCurso: form.codigoCurso === '' ? undefined : form.codigoCurso,
    from: startOfChileDay(form.from),
    to: endOfChileDay(form.to),
  }
}

/** Turns a course code into part of a file name: letters, digits, dashes and underscores only. */
function fileSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60)
}
