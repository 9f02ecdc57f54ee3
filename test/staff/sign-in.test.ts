// The lock-out under parallel guesses, and its window.

import t from 'tap'
import { LOCK_OUT_SECONDS, MAX_SIGN_IN_ATTEMPTS, signIn } from '../../src/staff/sign-in.ts'
import { createStaff, STAFF_PASSWORD } from '../helpers/admin.ts'
import { startTestGateway } from '../helpers/gateway.ts'

const origin = { ip: '127.0.0.1', userAgent: 'tap' }

t.test('parallel guesses test at most five passwords', async (t) => {
  const gateway = await startTestGateway(t)
  const staff = await createStaff(gateway)
  const results = await Promise.all(
    Array.from({ length: 12 }, () =>
      signIn(gateway.db.prisma, { email: staff.email, password: 'una clave equivocada' }, origin),
    ),
  )
  const reasons = results.map((result) => (result.ok ? 'ok' : result.reason))
  t.equal(reasons.filter((reason) => reason === 'wrong_password').length, MAX_SIGN_IN_ATTEMPTS)
  t.equal(reasons.filter((reason) => reason === 'locked').length, 12 - MAX_SIGN_IN_ATTEMPTS)
  const right = await signIn(
    gateway.db.prisma,
    { email: staff.email, password: STAFF_PASSWORD },
    origin,
  )
  t.same(
    right,
    { ok: false, reason: 'locked', staffId: staff.id },
    'locked for the right password too',
  )
})

t.test('the window and the reset', async (t) => {
  const gateway = await startTestGateway(t)
  const { prisma } = gateway.db
  const staff = await createStaff(gateway)
  const start = new Date('2026-12-01T12:00:00Z')
  const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000)
  const attempt = (password: string, minutes: number) =>
    signIn(prisma, { email: staff.email, password }, origin, at(minutes))

  for (let index = 0; index < MAX_SIGN_IN_ATTEMPTS - 1; index += 1)
    await attempt('equivocada!!', index)
  const late = await attempt('equivocada!!', LOCK_OUT_SECONDS / 60 + 1)
  t.same(
    late,
    { ok: false, reason: 'wrong_password', staffId: staff.id },
    'a new window starts at 1',
  )
  const account = await prisma.staffAccount.findUniqueOrThrow({ where: { id: staff.id } })
  t.equal(account.signInAttempts, 1)
  t.equal(account.lockedUntil, null)

  const good = await attempt(STAFF_PASSWORD, LOCK_OUT_SECONDS / 60 + 2)
  t.equal(good.ok, true)
  const reset = await prisma.staffAccount.findUniqueOrThrow({ where: { id: staff.id } })
  t.equal(reset.signInAttempts, 0, 'a success resets the count')
  t.equal(await prisma.staffSession.count({ where: { staffId: staff.id } }), 1)
})
