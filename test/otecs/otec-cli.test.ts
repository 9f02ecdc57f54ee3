import t from 'tap'
import { generateEncryptionKey } from '../../src/security/secret-box.ts'
import { sha256Hex } from '../../src/security/random-tokens.ts'
import { TEST_ENCRYPTION_KEYS } from '../helpers/gateway.ts'
import { startGatewayProcess } from '../helpers/gateway-process.ts'
import { createTestDatabase } from '../helpers/test-database.ts'

async function run(args: string[], environment: Record<string, string>) {
  const process = startGatewayProcess(args, environment)
  const code = await process.exited
  return { code, stdout: process.stdout(), stderr: process.stderr() }
}

t.test('otec list, show, update, rotate-key, revoke-key', async (t) => {
  const db = await createTestDatabase(t)
  const environment = { DATABASE_URL: db.url, ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS }

  const created = await run(
    [
      'otec',
      'create',
      '--rut',
      '76.543.210-3',
      '--name',
      'OTEC CLI',
      '--sence-token',
      'TOKEN-CLI-1',
      '--json',
    ],
    environment,
  )
  t.equal(created.code, 0, created.stderr)
  const { id, apiKey } = JSON.parse(created.stdout) as { id: string; apiKey: string }

  const updated = await run(
    [
      'otec',
      'update',
      '76543210-3',
      '--name',
      'OTEC CLI Renombrada',
      '--add-return-origin',
      'https://lms.example.cl',
      '--max-session-minutes',
      '120',
      '--environment',
      'production',
      '--sence-token-from-env',
      '--json',
    ],
    { ...environment, SENCE_TOKEN: 'TOKEN-CLI-2' },
  )
  t.equal(updated.code, 0, updated.stderr)
  const view = JSON.parse(updated.stdout)
  t.equal(view.name, 'OTEC CLI Renombrada')
  t.same(view.returnOrigins, ['https://lms.example.cl'])
  t.equal(view.maxSessionMinutes, 120)
  t.equal(view.environment, 'production')
  t.match(updated.stderr, /1 API key\(s\) of the other environment stop working/)
  t.notMatch(updated.stdout + updated.stderr, /TOKEN-CLI/, 'the Token is never printed')

  const rotated = await run(['otec', 'rotate-key', id, '--revoke-others', '--json'], environment)
  t.equal(rotated.code, 0, rotated.stderr)
  const rotation = JSON.parse(rotated.stdout)
  t.match(rotation.apiKey, /^sk_live_/)
  t.equal(rotation.revokedCount, 1)
  const oldKey = await db.prisma.apiKey.findUniqueOrThrow({ where: { keyHash: sha256Hex(apiKey) } })
  t.type(oldKey.revokedAt, Date, 'the first key is revoked')

  const revoked = await run(['otec', 'revoke-key', id, rotation.keyId], environment)
  t.equal(revoked.code, 0, revoked.stderr)
  t.match(revoked.stdout, /revoked at/)

  const shown = await run(['otec', 'show', id, '--json'], environment)
  const keys = JSON.parse(shown.stdout).apiKeys as { revokedAt: string | null }[]
  t.equal(keys.length, 2)
  t.ok(keys.every((key) => key.revokedAt !== null))
  t.notMatch(shown.stdout, rotation.apiKey, 'keys are shown once only')

  const listed = await run(['otec', 'list'], environment)
  t.match(listed.stdout, new RegExp(`${id}\\s+76543210-3\\s+production\\s+OTEC CLI Renombrada`))

  const missing = await run(['otec', 'show', '11111111-1'], environment)
  t.equal(missing.code, 1)
  t.match(missing.stderr, /no OTEC has the id or RUT "11111111-1"/)

  const invalid = await run(['otec', 'update', id, '--max-session-minutes', '0'], environment)
  t.equal(invalid.code, 1)
  t.match(invalid.stderr, /between 1 and 1440/)
})

t.test('reseal-secrets after a key rotation', async (t) => {
  const db = await createTestDatabase(t)
  const oldKeys = { DATABASE_URL: db.url, ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS }
  const created = await run(
    ['otec', 'create', '--rut', '76543210-3', '--name', 'X', '--sence-token', 'TOKEN-R', '--json'],
    oldKeys,
  )
  t.equal(created.code, 0, created.stderr)

  const rotatedKeys = {
    ...oldKeys,
    ENCRYPTION_KEYS: `${generateEncryptionKey('next')},${TEST_ENCRYPTION_KEYS}`,
  }
  const resealed = await run(['reseal-secrets'], rotatedKeys)
  t.equal(resealed.code, 0, resealed.stderr)
  t.match(resealed.stdout, /Otec\.senceTokenSealed: re-sealed 1 value\(s\) with key "next"/)
  const otec = await db.prisma.otec.findFirstOrThrow()
  t.match(otec.senceTokenSealed, /^v1:next:/)

  const lostKey = await run(['reseal-secrets'], {
    ...oldKeys,
    ENCRYPTION_KEYS: generateEncryptionKey('other'),
  })
  t.equal(lostKey.code, 1, 'a value that cannot be opened fails the command')
  // Every command checks at start-up that each stored secret's key is still
  // configured, so the lost key is named before any value is touched.
  t.match(lostKey.stderr, /ENCRYPTION_KEYS lacks the key\(s\) "next" \(1 value\(s\)\)/)
})
