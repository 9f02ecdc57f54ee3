import { randomUUID } from 'node:crypto'
import type { PrismaClient } from '../persistence/database.ts'
import type { Otec, Session } from '../persistence/generated/client.ts'
import { returnUrlPolicyErrors } from '../otecs/return-url-policy.ts'
import { generateTicket, sha256Hex } from '../security/random-tokens.ts'
import { type FieldError, validateLoginIntent } from './validate-intent.ts'

export interface IntentSettings {
  publicBaseUrl: string
  pendingTtlSeconds: number
}

export type CreateIntentResult =
  { ok: true; session: Session; startUrl: string } | { ok: false; errors: FieldError[] }

/**
 * Creates a login intent: a pending session and the ticket of its start,
 * after checking every field against SENCE's rules. `startUrl` is where
 * the LMS sends the student's browser.
 */
export async function createLoginIntent(
  prisma: PrismaClient,
  settings: IntentSettings,
  otec: Otec,
  senceToken: string,
  body: unknown,
): Promise<CreateIntentResult> {
  const validation = validateLoginIntent(
    body,
    {
      rut: otec.rut,
      senceToken,
      environment: otec.environment,
      maxSessionMinutes: otec.maxSessionMinutes,
    },
    settings.publicBaseUrl,
  )
  const returnUrl = (body as { returnUrl?: unknown } | null)?.returnUrl
  const earlier = validation.ok ? [] : validation.errors
  const policyErrors = returnUrlPolicyErrors(returnUrl, otec, earlier)
  if (!validation.ok || policyErrors.length > 0)
    return { ok: false, errors: [...earlier, ...policyErrors] }
  const intent = validation.value

  const sessionId = randomUUID()
  const ticket = generateTicket()
  const now = new Date()
  const expiresAt = new Date(now.getTime() + settings.pendingTtlSeconds * 1000)

  const session = await prisma.session.create({
    data: {
      id: sessionId,
      otecId: otec.id,
      status: 'pending',
      environment: otec.environment,
      rutOtec: otec.rut,
      runAlumno: intent.runAlumno,
      codSence: intent.codSence,
      codigoCurso: intent.codigoCurso,
      lineaCapacitacion: intent.lineaCapacitacion,
      idSesionAlumno: intent.idSesionAlumno ?? sessionId,
      returnUrl: intent.returnUrl,
      maxDurationMinutes: intent.maxDurationMinutes,
      ...(intent.metadata === null ? {} : { metadata: intent.metadata as object }),
      pendingExpiresAt: expiresAt,
      createdAt: now,
      tickets: {
        create: {
          ticketHash: sha256Hex(ticket),
          kind: 'start',
          environment: otec.environment,
          returnUrl: intent.returnUrl,
          expiresAt,
        },
      },
      events: { create: { type: 'intent_created', toStatus: 'pending', createdAt: now } },
    },
  })

  return { ok: true, session, startUrl: `${settings.publicBaseUrl}/go/${ticket}` }
}
