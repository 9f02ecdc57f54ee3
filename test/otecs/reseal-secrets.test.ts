import t from 'tap'
import { resealSecrets } from '../../src/security/reseal-secrets.ts'
import { createSecretBox, generateEncryptionKey } from '../../src/security/secret-box.ts'
import { createOtec } from '../../src/otecs/create-otec.ts'
import { nextTestRut } from '../helpers/gateway.ts'
import { createTestDatabase } from '../helpers/test-database.ts'

const OLD = generateEncryptionKey('old')
const NEW = generateEncryptionKey('new')

t.test('reseal-secrets moves values to the current key', async (t) => {
  const db = await createTestDatabase(t)
  const { prisma } = db
  const before = createSecretBox(OLD)
  const created = await createOtec(prisma, before, {
    rut: nextTestRut(),
    name: 'OTEC rotación',
    environment: 'test',
    senceToken: 'TOKEN-ROTACION',
    webhookUrl: 'https://lms.example.cl/hooks',
  })
  await prisma.webhookEndpoint.updateMany({
    where: { otecId: created.otec.id },
    data: { previousSecretSealed: before.seal('whsec_previous') },
  })
  await prisma.idempotencyKey.create({
    data: {
      otecId: created.otec.id,
      key: 'k',
      fingerprint: 'f',
      status: 'completed',
      responseStatus: 201,
      responseSealed: before.seal('{"startUrl":"x"}'),
      expiresAt: new Date(Date.now() + 60_000),
    },
  })
  // A second OTEC already on the new key, and one whose key is lost.
  const after = createSecretBox(`${NEW},${OLD}`)
  const current = await createOtec(prisma, after, {
    rut: nextTestRut(),
    name: 'OTEC al día',
    environment: 'test',
    senceToken: 'TOKEN-NUEVO',
  })
  const lost = await createOtec(prisma, createSecretBox(generateEncryptionKey('lost')), {
    rut: nextTestRut(),
    name: 'OTEC perdida',
    environment: 'test',
    senceToken: 'TOKEN-PERDIDO',
  })
  const currentSealed = current.otec.senceTokenSealed

  const dryRun = await resealSecrets(prisma, after, { dryRun: true })
  t.same(
    dryRun.map((column) => [column.column, column.resealed]),
    [
      ['senceTokenSealed', 1],
      ['secretSealed', 1],
      ['previousSecretSealed', 1],
      ['responseSealed', 1],
    ],
  )
  const unchanged = await prisma.otec.findUniqueOrThrow({ where: { id: created.otec.id } })
  t.equal(after.keyIdOf(unchanged.senceTokenSealed), 'old', 'a dry run changes nothing')

  const results = await resealSecrets(prisma, after)
  t.same(results[0]?.failedIds, [lost.otec.id], 'the value of a lost key is reported')
  t.equal(
    results.reduce((sum, column) => sum + column.resealed, 0),
    4,
  )

  // Only the new key is needed from now on.
  const onlyNew = createSecretBox(NEW)
  const otec = await prisma.otec.findUniqueOrThrow({ where: { id: created.otec.id } })
  t.equal(onlyNew.open(otec.senceTokenSealed), 'TOKEN-ROTACION')
  const endpoint = await prisma.webhookEndpoint.findFirstOrThrow({ where: { otecId: otec.id } })
  t.equal(onlyNew.open(endpoint.secretSealed), created.webhookSecret)
  t.equal(onlyNew.open(endpoint.previousSecretSealed as string), 'whsec_previous')
  const key = await prisma.idempotencyKey.findFirstOrThrow({ where: { key: 'k' } })
  t.equal(onlyNew.open(key.responseSealed as string), '{"startUrl":"x"}')
  const untouched = await prisma.otec.findUniqueOrThrow({ where: { id: current.otec.id } })
  t.equal(untouched.senceTokenSealed, currentSealed, 'values on the current key are not rewritten')

  const again = await resealSecrets(prisma, after)
  t.equal(
    again.reduce((sum, column) => sum + column.resealed, 0),
    0,
    'a second run has nothing to do',
  )
})
