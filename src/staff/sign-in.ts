// Sign-in of staff accounts, with a lock-out: at most MAX_SIGN_IN_ATTEMPTS
// attempts per account in a LOCK_OUT_SECONDS window, then no attempt at all
// for LOCK_OUT_SECONDS, whatever the password. Each attempt is counted
// before the password is checked, in one conditional UPDATE, so that
// parallel requests cannot test more passwords than the limit allows.

import type { PrismaClient } from '../persistence/database.ts'
import type { StaffAccount } from '../persistence/generated/client.ts'
import {
  hashPassword,
  needsRehash,
  spendVerificationTime,
  verifyPassword,
} from './password-hash.ts'
import { normalizeEmail } from './staff-accounts.ts'
import { openStaffSession, type SessionOrigin } from './staff-sessions.ts'

export const MAX_SIGN_IN_ATTEMPTS = 5
export const LOCK_OUT_SECONDS = 15 * 60

export type SignInResult =
  | { ok: true; token: string; staff: StaffAccount }
  /** `unknown_email`, `wrong_password` and `locked` must look the same to the person signing in. */
  | { ok: false; reason: 'unknown_email' | 'wrong_password' | 'locked'; staffId: string | null }

export async function signIn(
  prisma: PrismaClient,
  input: { email: string; password: string },
  origin: SessionOrigin,
  now: Date = new Date(),
): Promise<SignInResult> {
  const account = await prisma.staffAccount.findUnique({
    where: { email: normalizeEmail(input.email) },
  })
  if (account === null) {
    await spendVerificationTime(input.password)
    return { ok: false, reason: 'unknown_email', staffId: null }
  }

  const attempt = await countAttempt(prisma, account.id, now)
  if (attempt === null || attempt > MAX_SIGN_IN_ATTEMPTS) {
    if (attempt !== null) await lockOut(prisma, account.id, now)
    await spendVerificationTime(input.password)
    return { ok: false, reason: 'locked', staffId: account.id }
  }

  if (!(await verifyPassword(input.password, account.passwordHash))) {
    if (attempt >= MAX_SIGN_IN_ATTEMPTS) await lockOut(prisma, account.id, now)
    return { ok: false, reason: 'wrong_password', staffId: account.id }
  }

  const staff = await prisma.staffAccount.update({
    where: { id: account.id },
    data: {
      signInAttempts: 0,
      attemptWindowStart: null,
      lockedUntil: null,
      lastSignInAt: now,
      ...(needsRehash(account.passwordHash)
        ? { passwordHash: await hashPassword(input.password) }
        : {}),
    },
  })
  const token = await openStaffSession(prisma, staff.id, origin, now)
  return { ok: true, token, staff }
}

/**
 * Counts one attempt in the account's window (a window older than
 * LOCK_OUT_SECONDS starts again at 1) and returns its number, or null when
 * the account is locked out now.
 */
async function countAttempt(
  prisma: PrismaClient,
  staffId: string,
  now: Date,
): Promise<number | null> {
  const windowStart = new Date(now.getTime() - LOCK_OUT_SECONDS * 1000)
  const rows = await prisma.$queryRaw<{ signInAttempts: number }[]>`
    UPDATE "StaffAccount" SET
      "signInAttempts" = CASE
        WHEN "attemptWindowStart" IS NULL OR "attemptWindowStart" <= ${windowStart} THEN 1
        ELSE "signInAttempts" + 1 END,
      "attemptWindowStart" = CASE
        WHEN "attemptWindowStart" IS NULL OR "attemptWindowStart" <= ${windowStart} THEN ${now}
        ELSE "attemptWindowStart" END,
      "updatedAt" = ${now}
    WHERE id = ${staffId}::uuid AND ("lockedUntil" IS NULL OR "lockedUntil" <= ${now})
    RETURNING "signInAttempts"`
  return rows[0]?.signInAttempts ?? null
}

async function lockOut(prisma: PrismaClient, staffId: string, now: Date): Promise<void> {
  await prisma.staffAccount.update({
    where: { id: staffId },
    data: {
      lockedUntil: new Date(now.getTime() + LOCK_OUT_SECONDS * 1000),
      signInAttempts: 0,
      attemptWindowStart: null,
    },
  })
}
