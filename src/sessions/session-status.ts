import type { SessionStatus } from '../persistence/generated/enums.ts'

export type { SessionStatus }

/**
 * The session's life:
 *
 *     pending ──► started ──► closing ──► closed
 *        │                    ▲  │  ▲
 *        ├──► start_failed    │  │  └── (a new close attempt supersedes an abandoned one)
 *        └──► expired         │  └──► close_failed
 *                             └───────────┘ (a failed close can be retried)
 *
 * Every change is made with a conditional UPDATE on the current status, so
 * that two concurrent callbacks can never both apply.
 */
export const TRANSITIONS: Readonly<Record<SessionStatus, readonly SessionStatus[]>> = {
  pending: ['started', 'start_failed', 'expired'],
  started: ['closing'],
  closing: ['closed', 'close_failed', 'closing'],
  close_failed: ['closing'],
  start_failed: [],
  expired: [],
  closed: [],
}

/** Returns the statuses from which a session may move to `to`. */
export function statusesLeadingTo(to: SessionStatus): SessionStatus[] {
  return (Object.keys(TRANSITIONS) as SessionStatus[]).filter((from) =>
    TRANSITIONS[from].includes(to),
  )
}

export function canTransition(from: SessionStatus, to: SessionStatus): boolean {
  return TRANSITIONS[from].includes(to)
}

/** The statuses from which the LMS may ask for a close. */
export const CLOSABLE_STATUSES = statusesLeadingTo('closing')

/** The result reported to the LMS after a callback, in the redirect's `result` parameter and in webhooks. */
export type CallbackResult = 'started' | 'start_failed' | 'closed' | 'close_failed'
