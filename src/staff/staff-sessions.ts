// Signed-in browsers of staff accounts. The session cookie carries 256
// random bits; the database keeps only their SHA-256, with the account,
// the start and the last use. A session ends after an hour without use, or
// twelve hours after sign-in, or at sign-out, on every instance at once.

import { randomBytes } from 'node:crypto'
import type { PrismaClient } from '../persistence/database.ts'
import type { Otec, StaffAccount, StaffSession } from '../persistence/generated/client.ts'
import { sha256Hex } from '../security/random-tokens.ts'

export const SESSION_IDLE_SECONDS = 60 * 60
export const SESSION_MAX_SECONDS = 12 * 60 * 60
/** lastSeenAt is written at most this often, so that page views do not each cost a write. */
const LAST_SEEN_RESOLUTION_MS = 60_000

export interface SignedInStaff {
  session: StaffSession
  staff: StaffAccount & { otec: Otec }
}

export interface SessionOrigin {
  ip: string
  userAgent: string | undefined
}

/** Starts a session for an account and returns the token for its cookie. */
export async function openStaffSession(
  prisma: PrismaClient,
  staffId: string,
  origin: SessionOrigin,
  now: Date = new Date(),
): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await prisma.$transaction([
    // Sessions that ended without a sign-out are removed when their account signs in again.
    prisma.staffSession.deleteMany({
      where: {
        staffId,
        OR: [
          { expiresAt: { lte: now } },
          { lastSeenAt: { lte: new Date(now.getTime() - SESSION_IDLE_SECONDS * 1000) } },
        ],
      },
    }),
    prisma.staffSession.create({
      data: {
        staffId,
        tokenHash: sha256Hex(token),
        createdAt: now,
        lastSeenAt: now,
        expiresAt: new Date(now.getTime() + SESSION_MAX_SECONDS * 1000),
        ip: origin.ip,
        userAgent: origin.userAgent?.slice(0, 512) ?? null,
      },
    }),
  ])
  return token
}

/** Returns the session of a cookie's token with its account and OTEC, or null when it has ended. */
export async function findStaffSession(
  prisma: PrismaClient,
  token: string,
  now: Date = new Date(),
): Promise<SignedInStaff | null> {
  const session = await prisma.staffSession.findUnique({
    where: { tokenHash: sha256Hex(token) },
    include: { staff: { include: { otec: true } } },
  })
  if (session === null) return null

  const idleSince = now.getTime() - session.lastSeenAt.getTime()
  if (session.expiresAt <= now || idleSince >= SESSION_IDLE_SECONDS * 1000) {
    await prisma.staffSession.deleteMany({ where: { id: session.id } })
    return null
  }
  if (idleSince > LAST_SEEN_RESOLUTION_MS)
    await prisma.staffSession.update({ where: { id: session.id }, data: { lastSeenAt: now } })

  const { staff, ...rest } = session
  return { session: rest, staff }
}

/** Ends the session of a cookie's token; nothing happens when it has already ended. */
export async function closeStaffSession(prisma: PrismaClient, token: string): Promise<void> {
  await prisma.staffSession.deleteMany({ where: { tokenHash: sha256Hex(token) } })
}
