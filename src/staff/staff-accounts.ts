// Staff accounts of the admin dashboard: one per person and address, each
// bound to one OTEC. Created, listed and reset from the command line
// (`sence-gateway staff ...`); the dashboard itself has no sign-up.

import type { PrismaClient } from '../persistence/database.ts'
import type { StaffAccount } from '../persistence/generated/client.ts'
import { hashPassword, passwordProblem } from './password-hash.ts'

/** Raised with every invalid input of a staff account at once. */
export class InvalidStaffAccountError extends Error {
  readonly problems: string[]

  constructor(problems: string[]) {
    super(`invalid staff account: ${problems.join('; ')}`)
    this.name = 'InvalidStaffAccountError'
    this.problems = problems
  }
}

/** Raised when another account already has the address. */
export class StaffAccountExistsError extends Error {
  constructor(email: string) {
    super(`a staff account with the address ${email} already exists`)
    this.name = 'StaffAccountExistsError'
  }
}

/** Addresses are compared trimmed and lower-cased, as people type them in either case. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase()
}

/** Checks an address loosely: something@something.tld, at most 254 characters (RFC 5321's limit). */
function emailProblem(email: string): string | null {
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
    return `"${email}" is not an email address`
  return null
}

export interface CreateStaffInput {
  otecId: string
  email: string
  name?: string | undefined
  password: string
}

export async function createStaffAccount(
  prisma: PrismaClient,
  input: CreateStaffInput,
): Promise<StaffAccount> {
  const email = normalizeEmail(input.email)
  const problems = [emailProblem(email), passwordProblem(input.password)].filter(
    (problem): problem is string => problem !== null,
  )
  if (problems.length > 0) throw new InvalidStaffAccountError(problems)

  const existing = await prisma.staffAccount.findUnique({ where: { email } })
  if (existing !== null) throw new StaffAccountExistsError(email)
  return prisma.staffAccount.create({
    data: {
      otecId: input.otecId,
      email,
      name: input.name?.trim() || null,
      passwordHash: await hashPassword(input.password),
    },
  })
}

/**
 * Replaces an account's password, lifts any lock-out, and signs out every
 * browser of the account. Returns null when no account has the address.
 */
export async function setStaffPassword(
  prisma: PrismaClient,
  email: string,
  password: string,
): Promise<StaffAccount | null> {
  const problem = passwordProblem(password)
  if (problem !== null) throw new InvalidStaffAccountError([problem])
  const account = await prisma.staffAccount.findUnique({ where: { email: normalizeEmail(email) } })
  if (account === null) return null

  const passwordHash = await hashPassword(password)
  const [, updated] = await prisma.$transaction([
    prisma.staffSession.deleteMany({ where: { staffId: account.id } }),
    prisma.staffAccount.update({
      where: { id: account.id },
      data: { passwordHash, signInAttempts: 0, attemptWindowStart: null, lockedUntil: null },
    }),
  ])
  return updated
}

export async function listStaffAccounts(prisma: PrismaClient, otecId: string) {
  return prisma.staffAccount.findMany({ where: { otecId }, orderBy: { email: 'asc' } })
}

/** Deletes an account and its sessions; returns false when no account has the address. */
export async function deleteStaffAccount(prisma: PrismaClient, email: string): Promise<boolean> {
  const deleted = await prisma.staffAccount.deleteMany({ where: { email: normalizeEmail(email) } })
  return deleted.count > 0
}

/** Masks an address for a log line: the first character of the local part, and the domain. */
export function maskEmail(email: string): string {
  const normalized = normalizeEmail(email)
  const at = normalized.lastIndexOf('@')
  if (at <= 0) return '***'
  return `${normalized[0]}***${normalized.slice(at)}`
}
