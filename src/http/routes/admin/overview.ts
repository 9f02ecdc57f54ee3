import type { FastifyInstance } from 'fastify'
import { activityChart } from '../../../pages/admin/activity-chart.ts'
import { SESSION_STATUS_LABELS } from '../../../pages/admin/labels.ts'
import { formatInstant } from '../../../pages/chile-time.ts'
import { dailyActivity } from '../../../reports/daily-activity.ts'
import { dashboardCounts } from '../../../reports/dashboard-counts.ts'
import { listSessions } from '../../../reports/list-sessions.ts'
import { toSessionView } from '../../../sessions/session-view.ts'
import type { GatewayServices } from '../../services.ts'
import { staffOf } from './admin-session.ts'
import { renderAdminPage } from './render-admin.ts'

/** Four weeks: long enough to see a weekly pattern, short enough to read each day. */
export const CHART_DAYS = 28
const RECENT_FAILURES_DAYS = 7
const RECENT_FAILURES_SHOWN = 5

/** GET /admin: what needs attention now, and the chart of the last weeks. */
export async function overviewRoutes(
  app: FastifyInstance,
  services: GatewayServices,
): Promise<void> {
  const { prisma } = services.db

  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const { otecId } = staffOf(request)
    const failedSince = new Date(Date.now() - RECENT_FAILURES_DAYS * 24 * 3600 * 1000)
    const [counts, days, failures] = await Promise.all([
      dashboardCounts(prisma, otecId, failedSince),
      dailyActivity(prisma, otecId, CHART_DAYS),
      listSessions(
        prisma,
        otecId,
        { statuses: ['start_failed', 'close_failed'], from: failedSince },
        { cursor: null, limit: RECENT_FAILURES_SHOWN },
      ),
    ])
    return renderAdminPage(reply, 'overview', {
      title: 'Resumen',
      section: 'overview',
      counts,
      failedSinceDays: RECENT_FAILURES_DAYS,
      chart: activityChart(days),
      failures: failures.sessions.map((session) => ({
        id: session.id,
        runAlumno: session.runAlumno,
        codigoCurso: session.codigoCurso,
        status: SESSION_STATUS_LABELS[session.status],
        updatedAt: formatInstant(session.updatedAt),
        message: toSessionView(session).error?.message ?? '',
      })),
    })
  })
}
