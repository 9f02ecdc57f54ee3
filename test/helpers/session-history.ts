// Checks that every session's event history explains its current status:
// replaying the events that carry fromStatus/toStatus, in order, must walk
// the state machine from creation to the stored status.

import type { PrismaClient } from '../../src/persistence/database.ts'
import { canTransition, type SessionStatus } from '../../src/sessions/session-status.ts'

/** Event types that change the status, and so must carry toStatus. */
const TRANSITION_EVENT_TYPES = new Set([
  'intent_created',
  'callback_applied',
  'close_requested',
  'session_expired',
])

/** Returns one line per session whose history does not explain its status; empty when all do. */
export async function findHistoryProblems(prisma: PrismaClient): Promise<string[]> {
  const sessions = await prisma.session.findMany({
    select: {
      id: true,
      status: true,
      events: { select: { type: true, fromStatus: true, toStatus: true, createdAt: true } },
    },
  })
  const problems: string[] = []
  for (const session of sessions) {
    const problem = replayProblem(session.status, session.events)
    if (problem !== null) problems.push(`session ${session.id} (${session.status}): ${problem}`)
  }
  return problems
}

interface HistoryEvent {
  type: string
  fromStatus: SessionStatus | null
  toStatus: SessionStatus | null
  createdAt: Date
}

function replayProblem(status: SessionStatus, events: HistoryEvent[]): string | null {
  for (const event of events) {
    const carriesStatus = event.toStatus !== null
    if (carriesStatus !== TRANSITION_EVENT_TYPES.has(event.type))
      return `event ${event.type} ${carriesStatus ? 'carries' : 'lacks'} a status change`
  }

  const pending = events
    .filter((event) => event.toStatus !== null)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
  let current: SessionStatus | null = null
  const steps: string[] = []
  while (pending.length > 0) {
    // Events of one millisecond may come in any order: take the one that continues the chain.
    const index = pending.findIndex(
      (event) =>
        event.fromStatus === current &&
        event.createdAt.getTime() === (pending[0] as HistoryEvent).createdAt.getTime(),
    )
    if (index === -1) {
      const next = pending[0] as HistoryEvent
      return `after ${steps.join(' → ') || 'creation'}, ${next.type} moves from ${next.fromStatus}`
    }
    const [event] = pending.splice(index, 1) as [HistoryEvent]
    const allowed =
      current === null ? event.toStatus === 'pending' : canTransition(current, event.toStatus!)
    if (!allowed) return `${event.type} moves ${current} → ${event.toStatus}, which is not allowed`
    current = event.toStatus
    steps.push(`${event.type}:${current}`)
  }
  if (current !== status)
    return `the history ends at ${current ?? 'nothing'} (${steps.join(' → ')})`
  return null
}
