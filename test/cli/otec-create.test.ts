import t from 'tap'
import { sha256Hex } from '../../src/security/random-tokens.ts'
import { TEST_ENCRYPTION_KEYS } from '../helpers/gateway.ts'
import { startGatewayProcess } from '../helpers/gateway-process.ts'
import { createTestDatabase } from '../helpers/test-database.ts'

t.test('otec create --json', async (t) => {
  const db = await createTestDatabase(t)
  const environment = { DATABASE_URL: db.url, ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS }

  const run = startGatewayProcess(
    [
      'otec',
      'create',
      '--rut',
      '76.543.210-3',
      '--name',
      'OTEC Uno',
      '--environment',
      'production',
      '--sence-token',
      '12345678-1234-1234-1234-123456789',
      '--webhook-url',
      'https://lms.example.cl/hooks/sence',
      '--return-origin',
      'https://lms.example.cl',
      '--return-origin',
      'https://campus.example.cl',
      '--json',
    ],
    environment,
  )
  t.equal(await run.exited, 0, run.stderr())
  const output = JSON.parse(run.stdout()) as { id: string; apiKey: string; webhookSecret: string }
  t.same(Object.keys(output).sort(), ['apiKey', 'id', 'webhookSecret'])
  t.match(output.apiKey, /^sk_live_[A-Za-z0-9_-]{32}$/)
  t.match(output.webhookSecret, /^whsec_[A-Za-z0-9+/]{43}=$/)

  const otec = await db.prisma.otec.findUniqueOrThrow({
    where: { id: output.id },
    include: { apiKeys: true, webhookEndpoints: true },
  })
  t.equal(otec.rut, '76543210-3')
  t.equal(otec.environment, 'production')
  t.same(otec.returnOrigins, ['https://lms.example.cl', 'https://campus.example.cl'])
  t.equal(otec.apiKeys[0]?.keyHash, sha256Hex(output.apiKey), 'only the hash of the key is stored')
  t.notMatch(otec.senceTokenSealed, /12345678-1234/, 'Token sealed at rest')
  t.equal(otec.webhookEndpoints[0]?.url, 'https://lms.example.cl/hooks/sence')

  const again = startGatewayProcess(
    ['otec', 'create', '--rut', '76543210-3', '--name', 'Otra', '--json'],
    environment,
  )
  t.equal(await again.exited, 1)
  t.match(again.stderr(), /already exists/)
})

t.test('otec create rejects bad input', async (t) => {
  const db = await createTestDatabase(t)
  const environment = { DATABASE_URL: db.url, ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS }

  const missing = startGatewayProcess(['otec', 'create', '--name', 'Sin RUT'], environment)
  t.equal(await missing.exited, 2)
  t.match(missing.stderr(), /--rut and --name are required/)

  const badRut = startGatewayProcess(
    ['otec', 'create', '--rut', '76543210-4', '--name', 'X', '--sence-token', 'T'],
    environment,
  )
  t.equal(await badRut.exited, 1)
  t.match(badRut.stderr(), /wrong check digit/)

  const noToken = startGatewayProcess(
    ['otec', 'create', '--rut', '76543210-3', '--name', 'X', '--environment', 'production'],
    environment,
  )
  t.equal(await noToken.exited, 2)
  t.match(noToken.stderr(), /needs its SENCE Token/)
  t.equal(await db.prisma.otec.count(), 0)
})
