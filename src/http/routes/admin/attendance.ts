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
import { type FieldValue, readFieldInto } from './form-fields.ts'
import { filterQuery, readDateFilter } from './session-filters.ts'

interface AttendanceQuery {
  codigoCurso?: FieldValue
  from?: FieldValue
  to?: FieldValue
  delimiter?: FieldValue
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
      const { form, filters, problems } = readAttendanceQuery(request.query)
      const courses = await listCourses(prisma, otecId)
      // Without a course the page shows only the choice: the whole OTEC's
      // report can be long, and is there as a CSV. A filter that could not
      // be read shows no report at all, because a report of another period
      // or course would pass for the one asked for.
      const report =
        form.codigoCurso === '' || problems.length > 0
          ? null
          : await attendanceReport(prisma, otecId, filters)
      if (report !== null && !report.ok)
        return renderAdminMessage(reply, 422, 'Informe muy largo', [TOO_MANY_ROWS])
      return renderAdminPage(reply, 'attendance', {
        title: 'Asistencia por curso',
        section: 'attendance',
        form,
        problems,
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
      const { form, filters, problems } = readAttendanceQuery(request.query)
      if (problems.length > 0)
        return renderAdminMessage(reply, 422, 'No se generó el CSV', [
          ...problems,
          'Corrija el filtro en Asistencia por curso y vuelva a descargar el archivo.',
        ])
      const report = await attendanceReport(prisma, otecId, filters)
      if (!report.ok) return renderAdminMessage(reply, 422, 'Informe muy largo', [TOO_MANY_ROWS])
      const name =
        form.codigoCurso === '' ? 'asistencia' : `asistencia-${fileSafe(form.codigoCurso)}`
      // Any delimiter value but "semicolon", repeated ones included, gives the default comma.
      const delimiter = request.query.delimiter === 'semicolon' ? ';' : ','
      return reply
        .header('cache-control', 'no-store')
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}.csv"`)
        .send(attendanceCsv(report.rows, delimiter))
    },
  )
}

/** Reads the course and the dates of the attendance form, with a Spanish problem for each unusable value. */
function readAttendanceQuery(query: AttendanceQuery) {
  const problems: string[] = []
  const form = {
    codigoCurso: readFieldInto(query.codigoCurso, 'Curso', problems),
    from: readFieldInto(query.from, 'Sesiones creadas desde', problems),
    to: readFieldInto(query.to, 'hasta', problems),
  }
  const filters = {
    codigoCurso: form.codigoCurso === '' ? undefined : form.codigoCurso,
    from: readDateFilter(form.from, startOfChileDay, 'desde', problems),
    to: readDateFilter(form.to, endOfChileDay, 'hasta', problems),
  }
  return { form, filters, problems }
}

/** Turns a course code into part of a file name: letters, digits, dashes and underscores only. */
function fileSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60)
}
