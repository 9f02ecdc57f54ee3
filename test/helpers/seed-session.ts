// Puts a session into any status for tests of listings and reports, the way
// the gateway would have: each step is an allowed transition (the database
// trigger rejects the others) with the event that explains it, so the
// suite's history check still holds.

import type { SessionStatus } from '../../src/sessions/session-status.ts'
import type { TestGateway } from './gateway.ts'

/** The events and statuses that lead from pending to each status. */
const PATHS: Record<SessionStatus, [type: string, to: SessionStatus][]> = {
  pending: [],
  started: [['callback_applied', 'started']],
  start_failed: [['callback_applied', 'start_failed']],
  expired: [['session_expired', 'expired']],
  closing: [
    ['callback_applied', 'started'],
    ['close_requested', 'closing'],
  ],
  closed: [
    ['callback_applied', 'started'],
    ['close_requested', 'closing'],
    ['callback_applied', 'closed'],
  ],
  close_failed: [
    ['callback_applied', 'started'],
    ['close_requested', 'closing'],
    ['callback_applied', 'close_failed'],
  ],
}

export interface SeededTimes {
  startedAt?: Date | null
  closedAt?: Date | null
  errorCodes?: number[]
}

/** Moves a pending session to `status` through allowed transitions, then sets its times. */
export async function seedSessionStatus(
  gateway: TestGateway,
  sessionId: string,
  status: SessionStatus,
  times: SeededTimes = {},
): Promise<void> {
  const { prisma } = gateway.db
  let from: SessionStatus = 'pending'
  for (const [type, to] of PATHS[status]) {
    await prisma.$transaction([
      prisma.session.update({ where: { id: sessionId }, data: { status: to } }),
      prisma.sessionEvent.create({
        data: { sessionId, type, fromStatus: from, toStatus: to, detail: 'seeded by a test' },
      }),
    ])
    from = to
  }
  await prisma.session.update({
    where: { id: sessionId },
    data: {
      startedAt: times.startedAt ?? null,
      closedAt: times.closedAt ?? null,
      ...(times.errorCodes === undefined ? {} : { errorCodes: times.errorCodes }),
    },
  })
}
