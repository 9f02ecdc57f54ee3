// Sessions started, closed and failed per day, for the admin dashboard's
// chart. Days are calendar days in America/Santiago, where SENCE and the
// OTECs are. A session counts on the day of its start (startedAt), of its
// close (closedAt) and of its failure: the failed start's last change, or
// the last failed close (closeFailedAt).

import { DateTime } from 'luxon'
import { Prisma, type PrismaClient } from '../persistence/database.ts'
import { DEFAULT_SENCE_ZONE } from '../protocol/sence-time.ts'

export interface DailyActivity {
  /** yyyy-MM-dd in America/Santiago. */
  day: string
  started: number
  closed: number
  failed: number
}

/**
 * Sessions created this long before the first day are left out, so that
 * the query reads the OTEC's recent sessions through its (otecId,
 * createdAt) index instead of all of them. Intents expire within
 * PENDING_TTL_SECONDS (at most 7 days) and sessions last at most a day.
 * NOTE: a close retried more than this long after its session was created
 * is not counted.
 */
const CREATED_BEFORE_FIRST_DAY_DAYS = 9

/** Returns one entry per day, oldest first, from `days - 1` days before `today` to `today`, zeros included. */
export async function dailyActivity(
  prisma: PrismaClient,
  otecId: string,
  days: number,
  now: Date = new Date(),
): Promise<DailyActivity[]> {
  const today = DateTime.fromJSDate(now, { zone: DEFAULT_SENCE_ZONE }).startOf('day')
  const first = today.minus({ days: days - 1 })
  const from = first.toJSDate()
  const createdFrom = first.minus({ days: CREATED_BEFORE_FIRST_DAY_DAYS }).toJSDate()
  const zone = DEFAULT_SENCE_ZONE

  const rows = await prisma.$queryRaw<{ day: string; kind: string; count: bigint }[]>`
    WITH recent AS (
      SELECT status, "startedAt", "closedAt", "closeFailedAt", "updatedAt"
      FROM "Session"
      WHERE "otecId" = ${otecId}::uuid AND "createdAt" >= ${createdFrom}
    ), moments AS (
      SELECT 'started' AS kind, "startedAt" AS at FROM recent WHERE "startedAt" IS NOT NULL
      UNION ALL
      SELECT 'closed', "closedAt" FROM recent WHERE status = 'closed' AND "closedAt" IS NOT NULL
      UNION ALL
      SELECT 'failed', "updatedAt" FROM recent WHERE status = 'start_failed'
      UNION ALL
      SELECT 'failed', "closeFailedAt" FROM recent WHERE "closeFailedAt" IS NOT NULL
    )
    SELECT to_char(at AT TIME ZONE ${zone}, 'YYYY-MM-DD') AS day, kind, count(*) AS count
    FROM moments
    WHERE at >= ${from}
    GROUP BY 1, 2`

  const byDay = new Map<string, DailyActivity>()
  for (let offset = 0; offset < days; offset += 1) {
    const day = first.plus({ days: offset }).toISODate() as string
    byDay.set(day, { day, started: 0, closed: 0, failed: 0 })
  }
  for (const row of rows) {
    const entry = byDay.get(row.day)
    if (entry === undefined) continue
    entry[row.kind as 'started' | 'closed' | 'failed'] += Number(row.count)
  }
  return [...byDay.values()]
}
