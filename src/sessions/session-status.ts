import type { SessionStatus } from '../persistence/generated/enums.ts'

export type { SessionStatus }

/**
 * The session's life:
 *
 *     pending ──► started ──► closing ──► closed
 *        │                    ▲  │  ▲
 *        ├──► start_failed    │  │  └── closing again: a new close attempt supersedes an abandoned one
 *        └──► expired         │  └──► close_failed
 *                             └───────────┘ (a failed close can be retried)
 *
 * `closing → closing` keeps the status and replaces the close ticket. The
 * database repeats this table in a trigger on "Session" (migration
 * `session_state_rules`), which rejects any other change of status, and
 * transitionSession applies each change with an UPDATE conditional on the
 * current status.
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

export const SESSION_STATUSES = Object.keys(TRANSITIONS) as SessionStatus[]

/** Returns the statuses from which a session may move to `to`. */
export function statusesLeadingTo(to: SessionStatus): SessionStatus[] {
  return SESSION_STATUSES.filter((from) => TRANSITIONS[from].includes(to))
}

export function canTransition(from: SessionStatus, to: SessionStatus): boolean {
  return TRANSITIONS[from].includes(to)
}

/** True for the statuses no transition leaves. */
export function isFinalStatus(status: SessionStatus): boolean {
  return TRANSITIONS[status].length === 0
}

/** The statuses from which the LMS may ask for a close: started, closing and close_failed. */
export const CLOSABLE_STATUSES = statusesLeadingTo('closing')

/** The result reported to the LMS after a callback, in the redirect's `result` parameter and in webhooks. */
export type CallbackResult = 'started' | 'start_failed' | 'closed' | 'close_failed'
