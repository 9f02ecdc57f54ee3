// A page of an OTEC's sessions, newest first, with keyset pagination on
// (createdAt, id): a cursor names the last session of a page, so sessions
// created meanwhile never shift later pages, as an offset would.

import type { PrismaClient } from '../persistence/database.ts'
import type { Prisma, Session } from '../persistence/generated/client.ts'
import { isUuid } from '../sessions/session-id.ts'
import type { SessionStatus } from '../sessions/session-status.ts'

export interface SessionFilters {
  /** Canonical RUN (see normalizeRun). */
  runAlumno?: string | undefined
  codigoCurso?: string | undefined
  idSesionAlumno?: string | undefined
  statuses?: SessionStatus[] | undefined
  /** Sessions whose last failed callback carried this SENCE code. */
  errorCode?: number | undefined
  /** Created at or after this instant. */
  from?: Date | undefined
  /** Created before this instant. */
  to?: Date | undefined
}

export interface SessionCursor {
  createdAt: Date
  id: string
}

export interface SessionPage {
  sessions: Session[]
  nextCursor: string | null
}

export const SESSION_PAGE_MAX_LIMIT = 100
export const SESSION_PAGE_DEFAULT_LIMIT = 20

export async function listSessions(
  prisma: PrismaClient,
  otecId: string,
  filters: SessionFilters,
  page: { cursor: SessionCursor | null; limit: number },
): Promise<SessionPage> {
  const where: Prisma.SessionWhereInput = { otecId, ...filterConditions(filters) }
  if (page.cursor !== null) {
    const { createdAt, id } = page.cursor
    where.AND = [{ OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }] }]
  }
  // One more than the page, to tell whether another page follows.
  const rows = await prisma.session.findMany({
    where,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: page.limit + 1,
  })
  const sessions = rows.slice(0, page.limit)
  const last = sessions.at(-1)
  const nextCursor =
    rows.length > page.limit && last !== undefined
      ? encodeSessionCursor({ createdAt: last.createdAt, id: last.id })
      : null
  return { sessions, nextCursor }
}

function filterConditions(filters: SessionFilters): Prisma.SessionWhereInput {
  const createdAt: Prisma.DateTimeFilter = {}
  if (filters.from !== undefined) createdAt.gte = filters.from
  if (filters.to !== undefined) createdAt.lt = filters.to
  return {
    ...(filters.runAlumno === undefined ? {} : { runAlumno: filters.runAlumno }),
    ...(filters.codigoCurso === undefined ? {} : { codigoCurso: filters.codigoCurso }),
    ...(filters.idSesionAlumno === undefined ? {} : { idSesionAlumno: filters.idSesionAlumno }),
    ...(filters.statuses === undefined ? {} : { status: { in: filters.statuses } }),
    ...(filters.errorCode === undefined ? {} : { errorCodes: { has: filters.errorCode } }),
    ...(Object.keys(createdAt).length === 0 ? {} : { createdAt }),
  }
}

/** An opaque cursor: base64url of the last session's creation instant and id. */
export function encodeSessionCursor(cursor: SessionCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id])).toString(
    'base64url',
  )
}

/** Returns the cursor, or null when the text is not one that encodeSessionCursor made. */
export function decodeSessionCursor(text: string): SessionCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
    if (!Array.isArray(value) || value.length !== 2) return null
    const [instant, id] = value as unknown[]
    if (typeof instant !== 'string' || typeof id !== 'string') return null
    const createdAt = new Date(instant)
    if (Number.isNaN(createdAt.getTime()) || !isUuid(id)) return null
    return { createdAt, id }
  } catch {
    return null
  }
}
