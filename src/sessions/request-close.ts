import { z } from 'zod'
import type { PrismaClient } from '../persistence/database.ts'
import { countSessionTransition } from '../observability/metrics.ts'
import type { Otec, Session } from '../persistence/generated/client.ts'
import { returnUrlPolicyErrors } from '../otecs/return-url-policy.ts'
import { generateTicket, sha256Hex } from '../security/random-tokens.ts'
import type { BeforeCommit, IntentSettings } from './create-intent.ts'
import { CLOSABLE_STATUSES } from './session-status.ts'
import { inSessionTransaction, lockSession, transitionSession } from './transition-session.ts'
import { isUuid } from './session-id.ts'
import {
  checkReturnUrl,
  type FieldError,
  isPlainObject,
  shapeErrors,
  validateLogoutFields,
} from './validate-intent.ts'

/** The JSON shape of a close body: every key is optional. */
export const closeBodySchema = z.strictObject({
  returnUrl: z.string().nullable().optional(),
})

export type RequestCloseResult =
  | { ok: true; session: Session; closeUrl: string }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'not_closable'; session: Session }
  | { ok: false; reason: 'invalid'; errors: FieldError[] }

/**
 * Creates a logout intent for a started session, or retries one that
 * failed or was abandoned: a new close ticket replaces any earlier close
 * ticket not yet used, and the session moves to `closing`. `beforeCommit`
 * runs in the same transaction once the close is stored.
 */
export async function requestClose(
  prisma: PrismaClient,
  settings: IntentSettings,
  otec: Otec,
  senceToken: string,
  sessionId: string,
  body: unknown,
  options: { beforeCommit?: BeforeCommit<{ session: Session; closeUrl: string }> | undefined } = {},
): Promise<RequestCloseResult> {
  if (!isUuid(sessionId)) return { ok: false, reason: 'not_found' }

  const ticket = generateTicket()
  const now = new Date()
  const expiresAt = new Date(now.getTime() + settings.pendingTtlSeconds * 1000)

  let fromStatus: Session['status'] | null = null
  const result = await inSessionTransaction(prisma, async (tx): Promise<RequestCloseResult> => {
    // The checks run under the lock, on the session as last committed: one
    // read where a read before the transaction and another under the lock
    // cost two round trips.
    const session = await lockSession(tx, sessionId)
    if (session === null || session.otecId !== otec.id) return { ok: false, reason: 'not_found' }

    const { errors, returnUrl } = checkCloseRequest(settings, otec, senceToken, session, body)
    if (errors.length > 0) return { ok: false, reason: 'invalid', errors }
    if (!CLOSABLE_STATUSES.includes(session.status))
      return { ok: false, reason: 'not_closable', session }
    fromStatus = session.status

    // The earlier close ticket, if one is still waiting, is superseded first:
    // a unique index allows one issued ticket per session.
    const superseded = await tx.ticket.updateMany({
      where: { sessionId: session.id, kind: 'close', status: 'issued' },
      data: { status: 'superseded' },
    })
    const created = await tx.ticket.create({
      data: {
        ticketHash: sha256Hex(ticket),
        sessionId: session.id,
        kind: 'close',
        // A session is closed in the environment it started in, whatever the OTEC's setting is now.
        environment: session.environment,
        returnUrl,
        expiresAt,
      },
      select: { id: true },
    })
    const updated = await transitionSession(tx, {
      session,
      to: 'closing',
      event: {
        type: 'close_requested',
        ticketId: created.id,
        detail:
          superseded.count > 0
            ? `new close attempt; ${superseded.count} earlier close ticket superseded`
            : null,
        at: now,
      },
    })
    const closeUrl = `${settings.publicBaseUrl}/go/${ticket}`
    await options.beforeCommit?.(tx, { session: updated, closeUrl })
    return { ok: true, session: updated, closeUrl }
  })
  // Counted once the transaction has committed.
  if (result.ok && fromStatus !== null) countSessionTransition(fromStatus, 'closing')
  return result
}

/**
 * Checks a close request's body and the session's fields as SENCE's
 * logout rules need them, and returns the close's return URL: the body's,
 * or else the intent's. The logout fields are checked only for a session
 * that can be closed, which otherwise gets its own problem.
 */
function checkCloseRequest(
  settings: IntentSettings,
  otec: Otec,
  senceToken: string,
  session: Session,
  body: unknown,
): { errors: FieldError[]; returnUrl: string | null } {
  const errors: FieldError[] = []
  let returnUrl = session.returnUrl
  if (body !== undefined && body !== null) {
    if (!isPlainObject(body)) {
      errors.push({ field: '', senceCode: null, detail: 'El cuerpo debe ser un objeto JSON.' })
    } else {
      errors.push(...shapeErrors(closeBodySchema, body, {}))
      if (typeof body['returnUrl'] === 'string') {
        returnUrl = checkReturnUrl(body['returnUrl'], errors) ?? returnUrl
        errors.push(...returnUrlPolicyErrors(body['returnUrl'], otec, errors))
      }
    }
  }
  if (CLOSABLE_STATUSES.includes(session.status))
    errors.push(...validateLogoutFields(session, senceToken, settings.publicBaseUrl))
  return { errors, returnUrl }
}
