import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { normalizeRun } from '../../../protocol/run.ts'
import { ATTENDANCE_MAX_ROWS, attendanceReport } from '../../../reports/attendance.ts'
import { attendanceCsv } from '../../../reports/attendance-csv.ts'
import { problemResult, sendResult } from '../../api-result.ts'
import { problemResponses } from '../../schemas/problem.ts'
import type { GatewayServices } from '../../services.ts'

const CSV_TYPE = 'text/csv'
const JSON_TYPE = 'application/json'

const attendanceQuerySchema = z.object({
  codigoCurso: z.string().optional(),
  runAlumno: z.string().optional().describe('RUN of the student, in any usual spelling.'),
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Sessions created at or after this instant.'),
  to: z.iso.datetime({ offset: true }).optional().describe('Sessions created before this instant.'),
  format: z
    .enum(['json', 'csv'])
    .optional()
    .describe('Overrides the Accept header, for links opened in a browser.'),
  delimiter: z
    .enum(['comma', 'semicolon'])
    .default('comma')
    .describe('CSV column separator: Excel in a Spanish locale expects semicolon.'),
})

const attendanceRowSchema = z
  .object({
    runAlumno: z.string(),
    codigoCurso: z.string(),
    sessions: z.int().describe('Sessions SENCE started.'),
    closedSessions: z.int(),
    openSessions: z.int().describe('Started and not closed: started, closing or close_failed.'),
    failedStarts: z.int().describe('Starts SENCE rejected; no attendance was recorded.'),
    totalMinutes: z
      .int()
      .describe('Minutes from start to close of the closed sessions, rounded down.'),
    firstStartedAt: z.iso.datetime().nullable(),
    lastStartedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'AttendanceRow' })

const attendanceSchema = z
  .object({ data: z.array(attendanceRowSchema).describe('By codigoCurso, then runAlumno.') })
  .meta({ id: 'Attendance' })

/** GET /v1/attendance: attendance per student and course, as JSON or CSV. */
export async function attendanceRoutes(
  instance: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>()

  app.get(
    '/v1/attendance',
    {
      schema: {
        tags: ['reports'],
        summary: 'Attendance per student and course',
        description: `JSON, or CSV with \`Accept: text/csv\` (UTF-8 with a byte order mark, a header row and CRLF line ends, as Excel opens it). At most ${ATTENDANCE_MAX_ROWS} rows: narrow a larger report with codigoCurso, from or to.`,
        querystring: attendanceQuerySchema,
        response: {
          200: {
            description: 'One row per student and course.',
            content: {
              [JSON_TYPE]: { schema: attendanceSchema },
              [CSV_TYPE]: { schema: z.string() },
            },
          },
          ...problemResponses('not-acceptable'),
        },
      },
    },
    async (request, reply) => {
      const { query } = request
      const type = query.format === undefined ? request.accepts().type([JSON_TYPE, CSV_TYPE]) : null
      const csv = query.format === 'csv' || type === CSV_TYPE
      if (query.format === undefined && type === false)
        return sendResult(
          reply,
          problemResult(request, 'not-acceptable', `Accept ${JSON_TYPE} or ${CSV_TYPE}.`),
        )

      const report = await attendanceReport(services.db.prisma, request.otec.id, {
        codigoCurso: query.codigoCurso?.trim(),
        runAlumno: query.runAlumno === undefined ? undefined : normalizeRun(query.runAlumno),
        from: query.from === undefined ? undefined : new Date(query.from),
        to: query.to === undefined ? undefined : new Date(query.to),
      })
      if (!report.ok)
        return sendResult(
          reply,
          problemResult(
            request,
            'invalid-request',
            `The report has more than ${ATTENDANCE_MAX_ROWS} rows; narrow it with codigoCurso, from or to.`,
          ),
        )

      if (!csv) return reply.type(JSON_TYPE).send({ data: report.rows })
      const delimiter = query.delimiter === 'semicolon' ? ';' : ','
      return reply
        .type(`${CSV_TYPE}; charset=utf-8`)
        .header('content-disposition', 'attachment; filename="attendance.csv"')
        .send(attendanceCsv(report.rows, delimiter))
    },
  )
}
