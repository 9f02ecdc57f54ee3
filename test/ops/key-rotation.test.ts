import t from 'tap'
import { createOtec } from '../../src/otecs/create-otec.ts'
import { createSecretBox, generateEncryptionKey } from '../../src/security/secret-box.ts'
import { nextTestRut, TEST_ENCRYPTION_KEYS } from '../helpers/gateway.ts'
import { startGatewayProcess } from '../helpers/gateway-process.ts'
import { createTestDatabase } from '../helpers/test-database.ts'

const TOKEN = '12345678-1234-1234-1234-123456789'

t.test('rotation re-seals every secret', async (t) => {
  const db = await createTestDatabase(t)
  const oldBox = createSecretBox(TEST_ENCRYPTION_KEYS)
  const created = await createOtec(db.prisma, oldBox, {
    rut: nextTestRut(),
    name: 'OTEC de prueba',
    environment: 'test',
    senceToken: TOKEN,
    webhookUrl: 'https://lms.example.cl/hooks/sence',
  })
  await db.prisma.webhookEndpoint.updateMany({
    data: { previousSecretSealed: oldBox.seal('whsec_previous') },
  })

  const newKey = generateEncryptionKey('k2')
  const rotated = `${newKey},${TEST_ENCRYPTION_KEYS}`
  const run = async (...args: string[]) => {
    const command = startGatewayProcess(['reseal-secrets', ...args], {
      DATABASE_URL: db.url,
      ENCRYPTION_KEYS: rotated,
    })
    return { code: await command.exited, stdout: command.stdout(), stderr: command.stderr() }
  }

  const dryRun = await run('--dry-run')
  t.equal(dryRun.code, 0, dryRun.stderr)
  t.match(dryRun.stdout, /Otec\.senceTokenSealed: would re-seal 1 value\(s\) with key "k2"/)
  t.match(dryRun.stdout, /WebhookEndpoint\.secretSealed: would re-seal 1 value\(s\)/)
  t.match(dryRun.stdout, /WebhookEndpoint\.previousSecretSealed: would re-seal 1 value\(s\)/)
  const untouched = await db.prisma.otec.findUniqueOrThrow({ where: { id: created.otec.id } })
  t.equal(oldBox.keyIdOf(untouched.senceTokenSealed), 'test')

  const reseal = await run()
  t.equal(reseal.code, 0, reseal.stderr)
  t.match(reseal.stdout, /Otec\.senceTokenSealed: re-sealed 1 value\(s\) with key "k2"/)
  t.match(reseal.stdout, /WebhookEndpoint\.previousSecretSealed: re-sealed 1 value\(s\)/)

  // Only the new key remains: every value must open with it alone.
  const newBox = createSecretBox(newKey)
  const otec = await db.prisma.otec.findUniqueOrThrow({ where: { id: created.otec.id } })
  t.equal(newBox.open(otec.senceTokenSealed), TOKEN)
  const endpoint = await db.prisma.webhookEndpoint.findFirstOrThrow({
    where: { otecId: created.otec.id },
  })
  t.equal(newBox.open(endpoint.secretSealed), created.webhookSecret)
  t.equal(newBox.open(endpoint.previousSecretSealed as string), 'whsec_previous')

  const again = await run()
  t.notMatch(again.stdout, /re-sealed [1-9]/, 'a second run has nothing to do')
  t.match(again.stdout, /Otec\.senceTokenSealed: re-sealed 0 value\(s\)/)
})
