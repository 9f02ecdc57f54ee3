import { randomUUID } from 'node:crypto'
import type { PrismaClient, Transaction } from '../persistence/database.ts'
import type { Otec, Session } from '../persistence/generated/client.ts'
import { returnUrlPolicyErrors } from '../otecs/return-url-policy.ts'
import { generateTicket, sha256Hex } from '../security/random-tokens.ts'
import { type SessionRow, sessionFromRow } from './session-row.ts'
import { inSessionTransaction } from './transition-session.ts'
import { type FieldError, type ValidLoginIntent, validateLoginIntent } from './validate-intent.ts'

export interface IntentSettings {
  publicBaseUrl: string
  pendingTtlSeconds: number
}

export interface CreatedIntent {
  session: Session
  startUrl: string
}

export type CreateIntentResult =
  ({ ok: true } & CreatedIntent) | { ok: false; errors: FieldError[] }

/**
 * Work to run in the transaction that stores a use case's result, after
 * its writes and before it commits, such as completing an Idempotency-Key.
 * An error it throws rolls the use case back.
 */
export type BeforeCommit<T> = (tx: Transaction, result: T) => Promise<void>

/**
 * Creates a login intent: a pending session and the ticket of its start,
 * after checking every field against SENCE's rules. `startUrl` is where
 * the LMS sends the student's browser. With `beforeCommit`, the intent is
 * stored in a transaction that also runs it.
 */
export async function createLoginIntent(
  prisma: PrismaClient,
  settings: IntentSettings,
  otec: Otec,
  senceToken: string,
  body: unknown,
  options: { beforeCommit?: BeforeCommit<CreatedIntent> | undefined } = {},
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

  const row = { sessionId, otec, intent, ticketHash: sha256Hex(ticket), now, expiresAt }
  const startUrl = `${settings.publicBaseUrl}/go/${ticket}`
  const { beforeCommit } = options
  // Without beforeCommit, the one statement needs no transaction.
  if (beforeCommit === undefined)
    return { ok: true, session: await insertIntent(prisma, row), startUrl }

  const session = await inSessionTransaction(prisma, async (tx) => {
    const inserted = await insertIntent(tx, row)
    await beforeCommit(tx, { session: inserted, startUrl })
    return inserted
  })
  return { ok: true, session, startUrl }
}

/**
 * Inserts the session, its start ticket and its `intent_created` event in
 * one statement, and returns the session as stored. One statement is
 * atomic without BEGIN and COMMIT, and the foreign keys of the ticket and
 * the event are checked at its end, after the session's row exists: one
 * round trip where Prisma's nested create made six. errorCodes is stored
 * as an empty list, which is what Prisma returns for a NULL list.
 */
async function insertIntent(
  db: PrismaClient | Transaction,
  row: {
    sessionId: string
    otec: Otec
    intent: ValidLoginIntent
    ticketHash: string
    now: Date
    expiresAt: Date
  },
): Promise<Session> {
  const { sessionId, otec, intent, now, expiresAt } = row
  const metadata = intent.metadata === null ? null : JSON.stringify(intent.metadata)
  const [session] = await db.$queryRaw<SessionRow[]>`
    WITH "session" AS (
      INSERT INTO "Session" ("id", "otecId", "status", "environment", "rutOtec", "runAlumno",
                             "codSence", "codigoCurso", "lineaCapacitacion", "idSesionAlumno",
                             "returnUrl", "maxDurationMinutes", "metadata", "pendingExpiresAt",
                             "errorCodes", "createdAt", "updatedAt")
      VALUES (${sessionId}::uuid, ${otec.id}::uuid, 'pending', ${otec.environment}::"Environment",
              ${otec.rut}, ${intent.runAlumno}, ${intent.codSence}, ${intent.codigoCurso},
              ${intent.lineaCapacitacion}, ${intent.idSesionAlumno ?? sessionId},
              ${intent.returnUrl}, ${intent.maxDurationMinutes}, ${metadata}::jsonb,
              ${expiresAt}, '{}', ${now}, ${now})
      RETURNING *
    ), "ticket" AS (
      INSERT INTO "Ticket" ("id", "ticketHash", "sessionId", "kind", "environment", "returnUrl",
                            "expiresAt", "createdAt")
      SELECT ${randomUUID()}::uuid, ${row.ticketHash}, "id", 'start'::"TicketKind", "environment",
             "returnUrl", ${expiresAt}, ${now}
        FROM "session"
    ), "event" AS (
      INSERT INTO "SessionEvent" ("id", "sessionId", "type", "toStatus", "createdAt")
      SELECT ${randomUUID()}::uuid, "id", 'intent_created', 'pending'::"SessionStatus", ${now}
        FROM "session"
    )
    SELECT * FROM "session"`
  if (session === undefined) throw new Error(`session ${sessionId} was not inserted`)
  return sessionFromRow(session)
}
