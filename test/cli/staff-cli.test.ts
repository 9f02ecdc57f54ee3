// `sence-gateway staff ...` as an operator runs it: the password on stdin.

import { spawn } from 'node:child_process'
import t from 'tap'
import { verifyPassword } from '../../src/staff/password-hash.ts'
import { createOtec } from '../../src/otecs/create-otec.ts'
import { createSecretBox } from '../../src/security/secret-box.ts'
import { nextTestRut, TEST_ENCRYPTION_KEYS } from '../helpers/gateway.ts'
import { BIN } from '../helpers/gateway-process.ts'
import { createTestDatabase } from '../helpers/test-database.ts'

t.test('staff subcommands', async (t) => {
  const db = await createTestDatabase(t)
  db.pool.on('error', () => {})
  const rut = nextTestRut()
  const created = await createOtec(db.prisma, createSecretBox(TEST_ENCRYPTION_KEYS), {
    rut,
    name: 'OTEC CLI',
    environment: 'test',
    senceToken: '12345678-1234-1234-1234-123456789',
  })
  const run = (args: string[], stdin = '') =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'staff', ...args], {
        env: {
          PATH: process.env['PATH'] ?? '',
          DATABASE_URL: db.url,
          ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk) => (stdout += chunk))
      child.stderr.on('data', (chunk) => (stderr += chunk))
      child.stdin.end(stdin)
      child.on('exit', (code) => resolve({ code, stdout, stderr }))
    })
  const password = 'una contraseña de operador'

  const made = await run(
    ['create', '--otec', rut, '--email', 'Ana@OTEC.test', '--name', 'Ana'],
    `${password}\n`,
  )
  t.equal(made.code, 0, made.stderr)
  t.match(made.stdout, /staff account ana@otec\.test created/)
  const account = await db.prisma.staffAccount.findUniqueOrThrow({
    where: { email: 'ana@otec.test' },
  })
  t.equal(account.otecId, created.otec.id)
  t.equal(await verifyPassword(password, account.passwordHash), true, 'the first line of stdin')
  t.notMatch(account.passwordHash, password)

  const again = await run(['create', '--otec', rut, '--email', 'ana@otec.test'], `${password}\n`)
  t.equal(again.code, 1)
  t.match(again.stderr, /already exists/)
  const short = await run(['create', '--otec', rut, '--email', 'luis@otec.test'], 'corta\n')
  t.equal(short.code, 1)
  t.match(short.stderr, /the password has 5 characters; use at least 12/)
  const empty = await run(['create', '--otec', rut, '--email', 'luis@otec.test'])
  t.equal(empty.code, 2)
  t.match(empty.stderr, /no password on stdin/)
  const noOtec = await run(
    ['create', '--otec', '11111111-1', '--email', 'luis@otec.test'],
    `${password}\n`,
  )
  t.equal(noOtec.code, 1)
  t.match(noOtec.stderr, /no OTEC has the id or RUT "11111111-1"/)
  const argv = await run(['create', '--otec', rut, '--email', 'luis@otec.test', '--password', 'x'])
  t.equal(argv.code, 2, 'there is no --password option')

  const listed = await run(['list', '--otec', created.otec.id, '--json'])
  t.equal(listed.code, 0, listed.stderr)
  t.same(
    JSON.parse(listed.stdout).map((view: { email: string; lockedUntil: string | null }) => [
      view.email,
      view.lockedUntil,
    ]),
    [['ana@otec.test', null]],
  )

  await db.prisma.staffAccount.update({
    where: { id: account.id },
    data: { lockedUntil: new Date(Date.now() + 600_000), signInAttempts: 5 },
  })
  await db.prisma.staffSession.create({
    data: {
      staffId: account.id,
      tokenHash: 'x'.repeat(64),
      expiresAt: new Date(Date.now() + 3600_000),
    },
  })
  const human = await run(['list', '--otec', rut])
  t.match(human.stdout, /ana@otec\.test {2}last sign-in never {2}locked until /)
  const reset = await run(
    ['set-password', '--email', 'ana@otec.test'],
    'otra contraseña de operador\n',
  )
  t.equal(reset.code, 0, reset.stderr)
  const after = await db.prisma.staffAccount.findUniqueOrThrow({ where: { id: account.id } })
  t.equal(await verifyPassword('otra contraseña de operador', after.passwordHash), true)
  t.equal(after.lockedUntil, null, 'the lock-out is lifted')
  t.equal(await db.prisma.staffSession.count(), 0, 'its browsers are signed out')
  const missing = await run(['set-password', '--email', 'nadie@otec.test'], `${password}\n`)
  t.equal(missing.code, 1)

  const deleted = await run(['delete', '--email', 'ana@otec.test'])
  t.equal(deleted.code, 0)
  t.equal(await db.prisma.staffAccount.count(), 0)
  t.equal((await run(['delete', '--email', 'ana@otec.test'])).code, 1)
  const help = await run(['--help'])
  t.match(help.stdout, /The password is read from stdin/)
})
