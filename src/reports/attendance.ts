// Attendance per student and course, from the sessions SENCE confirmed:
// how many sessions started, how many are still open (never closed, or
// whose close failed), and the minutes between start and close of the
// closed ones. Failed starts are counted apart, because SENCE recorded no
// attendance for them.

import { Prisma, type PrismaClient } from '../persistence/database.ts'

export interface AttendanceFilters {
  codigoCurso?: string | undefined
  /** Canonical RUN (see normalizeRun). */
  runAlumno?: string | undefined
  /** Sessions created at or after this instant. */
  from?: Date | undefined
  /** Sessions created before this instant. */
  to?: Date | undefined
}

export interface AttendanceRow {
  runAlumno: string
  codigoCurso: string
  /** Sessions that SENCE started. */
  sessions: number
  closedSessions: number
  /** Started sessions not closed yet: started, closing or close_failed. */
  openSessions: number
  failedStarts: number
  /** Minutes between start and close of the closed sessions, summed, rounded down. */
  totalMinutes: number
  firstStartedAt: string | null
  lastStartedAt: string | null
}

/** Rows beyond this make a report too large for one response; the caller must narrow the filters. */
export const ATTENDANCE_MAX_ROWS = 10_000

export type AttendanceReport =
  { ok: true; rows: AttendanceRow[] } | { ok: false; reason: 'too_many_rows' }

interface RawRow {
  runAlumno: string
  codigoCurso: string
  sessions: bigint
  closedSessions: bigint
  openSessions: bigint
  failedStarts: bigint
  totalSeconds: number
  firstStartedAt: Date | null
  lastStartedAt: Date | null
}

export async function attendanceReport(
  prisma: PrismaClient,
  otecId: string,
  filters: AttendanceFilters,
): Promise<AttendanceReport> {
  const conditions = [
    Prisma.sql`"otecId" = ${otecId}::uuid`,
    Prisma.sql`status IN ('started', 'closing', 'closed', 'close_failed', 'start_failed')`,
  ]
  if (filters.codigoCurso !== undefined)
    conditions.push(Prisma.sql`"codigoCurso" = ${filters.codigoCurso}`)
  if (filters.runAlumno !== undefined)
    conditions.push(Prisma.sql`"runAlumno" = ${filters.runAlumno}`)
  if (filters.from !== undefined) conditions.push(Prisma.sql`"createdAt" >= ${filters.from}`)
  if (filters.to !== undefined) conditions.push(Prisma.sql`"createdAt" < ${filters.to}`)

  const rows = await prisma.$queryRaw<RawRow[]>`
    SELECT "runAlumno", "codigoCurso",
      count(*) FILTER (WHERE "startedAt" IS NOT NULL) AS "sessions",
      count(*) FILTER (WHERE status = 'closed') AS "closedSessions",
      count(*) FILTER (WHERE status IN ('started', 'closing', 'close_failed')) AS "openSessions",
      count(*) FILTER (WHERE status = 'start_failed') AS "failedStarts",
      coalesce(sum(greatest(0, extract(epoch FROM "closedAt" - "startedAt")))
        FILTER (WHERE status = 'closed' AND "startedAt" IS NOT NULL), 0)::float8 AS "totalSeconds",
      min("startedAt") AS "firstStartedAt",
      max("startedAt") AS "lastStartedAt"
    FROM "Session"
    WHERE ${Prisma.join(conditions, ' AND ')}
    GROUP BY "codigoCurso", "runAlumno"
    ORDER BY "codigoCurso", "runAlumno"
    LIMIT ${ATTENDANCE_MAX_ROWS + 1}`
  if (rows.length > ATTENDANCE_MAX_ROWS) return { ok: false, reason: 'too_many_rows' }

  return {
    ok: true,
    rows: rows.map((row) => ({
      runAlumno: row.runAlumno,
      codigoCurso: row.codigoCurso,
      sessions: Number(row.sessions),
      closedSessions: Number(row.closedSessions),
      openSessions: Number(row.openSessions),
      failedStarts: Number(row.failedStarts),
      totalMinutes: Math.floor(row.totalSeconds / 60),
      firstStartedAt: row.firstStartedAt?.toISOString() ?? null,
      lastStartedAt: row.lastStartedAt?.toISOString() ?? null,
    })),
  }
}
