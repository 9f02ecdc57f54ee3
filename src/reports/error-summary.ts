// SENCE's error codes among an OTEC's failed sessions, for the admin
// dashboard: how many sessions each code left failed, split by start and
// close, and the last one. A session's codes are those of its last failed
// callback. A successful retry of the close clears them, so a code counts
// only while its session is still failed.

import { Prisma, type PrismaClient } from '../persistence/database.ts'

export interface ErrorCodeCount {
  code: number
  sessions: number
  startFailures: number
  closeFailures: number
  lastAt: Date
}

export async function summarizeErrorCodes(
  prisma: PrismaClient,
  otecId: string,
  range: { from?: Date | undefined; to?: Date | undefined },
): Promise<ErrorCodeCount[]> {
  const conditions = [
    Prisma.sql`"otecId" = ${otecId}::uuid`,
    Prisma.sql`cardinality("errorCodes") > 0`,
  ]
  if (range.from !== undefined) conditions.push(Prisma.sql`"createdAt" >= ${range.from}`)
  if (range.to !== undefined) conditions.push(Prisma.sql`"createdAt" < ${range.to}`)

  const rows = await prisma.$queryRaw<
    { code: number; sessions: bigint; startFailures: bigint; closeFailures: bigint; lastAt: Date }[]
  >`
    SELECT code,
      count(DISTINCT id) AS "sessions",
      count(DISTINCT id) FILTER (WHERE status = 'start_failed') AS "startFailures",
      count(DISTINCT id) FILTER (WHERE status = 'close_failed') AS "closeFailures",
      max("updatedAt") AS "lastAt"
    FROM "Session", unnest("errorCodes") AS code
    WHERE ${Prisma.join(conditions, ' AND ')}
    GROUP BY code
    ORDER BY count(DISTINCT id) DESC, code`
  return rows.map((row) => ({
    code: row.code,
    sessions: Number(row.sessions),
    startFailures: Number(row.startFailures),
    closeFailures: Number(row.closeFailures),
    lastAt: row.lastAt,
  }))
}
