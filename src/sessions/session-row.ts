import type { Session } from '../persistence/generated/client.ts'

/** A Session row as raw SQL returns it: `SELECT *` or `RETURNING *`. */
export type SessionRow = Omit<Session, 'errorCodes'> & { errorCodes: number[] | null }

/**
 * Returns a row of raw SQL as Prisma's model calls return it. Prisma reads
 * a NULL list as an empty one, and rows that Prisma's create wrote hold
 * NULL in errorCodes, but raw SQL returns the NULL as it is.
 */
export function sessionFromRow(row: SessionRow): Session {
  return { ...row, errorCodes: row.errorCodes ?? [] }
}
