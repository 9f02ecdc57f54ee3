// The state the session widget shows: the time since SENCE's login, and
// the end of the session's allotted time (its maximum length) with an
// alert ALERT_BEFORE_END_MINUTES before it, as SENCE's manual recommends
// for the LMS's pages. It also tells whether the student may start the
// logout now.

import type { Session } from '../persistence/generated/client.ts'
import { CLOSABLE_STATUSES, type SessionStatus } from '../sessions/session-status.ts'
import { toSessionView } from '../sessions/session-view.ts'

export const ALERT_BEFORE_END_MINUTES = 10

/**
 * How long after the session's allotted time ends an expired token may
 * still start its logout. The widget asks the student to close the session
 * once that time ends, and SENCE may still accept the close, since an
 * OTEC's maximum length can be shorter than SENCE's limit of about three
 * hours. The bound keeps a copied token from working for as long as a
 * session is left open.
 */
export const LATE_LOGOUT_MINUTES = 60

/** The statuses in which the widget keeps renewing its token: the session may still change. */
const RENEWABLE_STATUSES: readonly SessionStatus[] = ['pending', ...CLOSABLE_STATUSES]

export interface WidgetState {
  sessionId: string
  status: SessionStatus
  startedAt: Date | null
  /** startedAt plus the session's maximum length; null before the start. */
  endsAt: Date | null
  /** ALERT_BEFORE_END_MINUTES before endsAt. */
  alertAt: Date | null
  closedAt: Date | null
  maxDurationMinutes: number
  /** started, closing or close_failed: the logout can be started (again). */
  canClose: boolean
  /** The token may be renewed: the session has not reached a final status. */
  renewable: boolean
  /** Spanish, for the student, after a failed start or close. */
  errorMessage: string | null
}

export function widgetState(session: Session): WidgetState {
  const { startedAt } = session
  const endsAt =
    startedAt === null ? null : new Date(startedAt.getTime() + session.maxDurationMinutes * 60_000)
  return {
    sessionId: session.id,
    status: session.status,
    startedAt,
    endsAt,
    alertAt:
      endsAt === null ? null : new Date(endsAt.getTime() - ALERT_BEFORE_END_MINUTES * 60_000),
    closedAt: session.closedAt,
    maxDurationMinutes: session.maxDurationMinutes,
    canClose: CLOSABLE_STATUSES.includes(session.status),
    renewable: RENEWABLE_STATUSES.includes(session.status),
    errorMessage: toSessionView(session).error?.message ?? null,
  }
}

/** Formats the time elapsed since an instant as `h:mm:ss`, as the widget's timer shows it. */
export function formatElapsed(since: Date, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 1000))
  const hours = Math.floor(seconds / 3600)
  const minutes = Math.floor((seconds % 3600) / 60)
  return `${hours}:${String(minutes).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`
}

/**
 * Tells whether an authentic token past its expiry may still renew and
 * start the logout of its session. It does while the session is open
 * (started, closing or close_failed), until LATE_LOGOUT_MINUTES after its
 * allotted time ends, and only for a token issued once SENCE had started
 * the session, because one issued earlier was issued for a pending session,
 * whose page has no logout button. Tokens carry their issue time to the
 * second, so the start is compared in seconds too.
 * NOTE: an LMS that reuses a token issued before the start on pages it
 * renders after it gets their button rejected once that token expires.
 */
export function acceptsExpiredToken(state: WidgetState, issuedAt: Date, now: Date): boolean {
  if (!state.canClose || state.startedAt === null || state.endsAt === null) return false
  const startSecond = Math.floor(state.startedAt.getTime() / 1000) * 1000
  if (issuedAt.getTime() < startSecond) return false
  return now.getTime() < state.endsAt.getTime() + LATE_LOGOUT_MINUTES * 60_000
}
