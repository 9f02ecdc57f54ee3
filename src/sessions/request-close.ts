import { z } from 'zod'
import type { PrismaClient } from '../persistence/database.ts'
import type { Otec, Session } from '../persistence/generated/client.ts'
import { returnUrlPolicyErrors } from '../otecs/return-url-policy.ts'
import { generateTicket, sha256Hex } from '../security/random-tokens.ts'
import type { IntentSettings } from './create-intent.ts'
import { CLOSABLE_STATUSES } from './session-status.ts'
import { isUuid } from './session-id.ts'
import { checkReturnUrl, type FieldError, isPlainObject, shapeErrors } from './validate-intent.ts'

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
 * ticket not yet used, and the session moves to `closing`.
 */
export async function requestClose(
  prisma: PrismaClient,
  settings: IntentSettings,
  otec: Otec,
  sessionId: string,
  body: unknown,
): Promise<RequestCloseResult> {
  if (!isUuid(sessionId)) return { ok: false, reason: 'not_found' }
  const session = await prisma.session.findFirst({ where: { id: sessionId, otecId: otec.id } })
  if (session === null) return { ok: false, reason: 'not_found' }

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
  if (errors.length > 0) return { ok: false, reason: 'invalid', errors }
  if (!CLOSABLE_STATUSES.includes(session.status))
    return { ok: false, reason: 'not_closable', session }

  const ticket = generateTicket()
  const now = new Date()
  const expiresAt = new Date(now.getTime() + settings.pendingTtlSeconds * 1000)

  const updated = await prisma.$transaction(async (tx) => {
    const moved = await tx.session.updateMany({
      where: { id: session.id, status: { in: CLOSABLE_STATUSES } },
      data: { status: 'closing' },
    })
    if (moved.count === 0) return null

    await tx.ticket.updateMany({
      where: { sessionId: session.id, kind: 'close', status: 'issued' },
      data: { status: 'superseded' },
    })
    await tx.ticket.create({
      data: {
        ticketHash: sha256Hex(ticket),
        sessionId: session.id,
        kind: 'close',
        // A session is closed in the environment it started in, whatever the OTEC's setting is now.
        environment: session.environment,
        returnUrl,
        expiresAt,
      },
    })
    await tx.sessionEvent.create({
      data: { sessionId: session.id, type: 'close_requested', createdAt: now },
    })
    return tx.session.findUniqueOrThrow({ where: { id: session.id } })
  })

  if (updated === null) {
    const current = await prisma.session.findUniqueOrThrow({ where: { id: session.id } })
    return { ok: false, reason: 'not_closable', session: current }
  }
  return { ok: true, session: updated, closeUrl: `${settings.publicBaseUrl}/go/${ticket}` }
}
