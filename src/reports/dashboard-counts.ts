// The counters at the top of the admin dashboard: what needs a person's
// attention now.

import type { PrismaClient } from '../persistence/database.ts'
import { CLOSABLE_STATUSES } from '../sessions/session-status.ts'

export interface DashboardCounts {
  /** Started and not closed: started, closing or close_failed. */
  openSessions: number
  /** Sessions whose last start or close failed, created since `failedSince`. */
  failedSessions: number
  pendingDeliveries: number
  failedDeliveries: number
}

export async function dashboardCounts(
  prisma: PrismaClient,
  otecId: string,
  failedSince: Date,
): Promise<DashboardCounts> {
  const [openSessions, failedSessions, pendingDeliveries, failedDeliveries] = await Promise.all([
    prisma.session.count({ where: { otecId, status: { in: CLOSABLE_STATUSES } } }),
    prisma.session.count({
      where: {
        otecId,
        status: { in: ['start_failed', 'close_failed'] },
        createdAt: { gte: failedSince },
      },
    }),
    prisma.webhookDelivery.count({ where: { otecId, status: 'pending' } }),
    prisma.webhookDelivery.count({ where: { otecId, status: 'failed' } }),
  ])
  return { openSessions, failedSessions, pendingDeliveries, failedDeliveries }
}

/** Lists the OTEC's course codes with their number of sessions, for the attendance page's choice of course. */
export async function listCourses(
  prisma: PrismaClient,
  otecId: string,
): Promise<{ codigoCurso: string; sessions: number }[]> {
  const groups = await prisma.session.groupBy({
    by: ['codigoCurso'],
    where: { otecId },
    _count: { _all: true },
    orderBy: { codigoCurso: 'asc' },
  })
  return groups.map((group) => ({ codigoCurso: group.codigoCurso, sessions: group._count._all }))
}
