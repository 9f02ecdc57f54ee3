import t from 'tap'
import { createOtec } from '../../src/otecs/create-otec.ts'
import { InvalidOtecError, OtecExistsError } from '../../src/otecs/otec-input.ts'
import { updateOtec } from '../../src/otecs/update-otec.ts'
import { issueApiKey } from '../../src/otecs/api-keys.ts'
import { createSecretBox } from '../../src/security/secret-box.ts'
import { nextTestRut, TEST_ENCRYPTION_KEYS } from '../helpers/gateway.ts'
import { createTestDatabase } from '../helpers/test-database.ts'

const secrets = createSecretBox(TEST_ENCRYPTION_KEYS)

async function setUp(t: { teardown(fn: () => unknown): void }) {
  const db = await createTestDatabase(t, { poolMax: 10 })
  const created = await createOtec(db.prisma, secrets, {
    rut: nextTestRut(),
    name: 'OTEC',
    environment: 'test',
    senceToken: 'TOKEN-1',
    returnOrigins: ['https://a.example.cl'],
  })
  return { prisma: db.prisma, otec: created.otec }
}

t.test('origins: replace, add, remove', async (t) => {
  const { prisma, otec } = await setUp(t)
  const added = await updateOtec(prisma, secrets, otec.id, {
    addReturnOrigins: ['https://b.example.cl/', 'https://a.example.cl'],
  })
  t.same(added?.otec.returnOrigins, ['https://a.example.cl', 'https://b.example.cl'])
  const removed = await updateOtec(prisma, secrets, otec.id, {
    removeReturnOrigins: ['https://a.example.cl'],
  })
  t.same(removed?.otec.returnOrigins, ['https://b.example.cl'])
  const replaced = await updateOtec(prisma, secrets, otec.id, {
    returnOrigins: ['http://localhost:8080'],
  })
  t.same(replaced?.otec.returnOrigins, ['http://localhost:8080'])
})

t.test('concurrent additions both land', async (t) => {
  const { prisma, otec } = await setUp(t)
  const origins = Array.from({ length: 8 }, (_, index) => `https://lms${index}.example.cl`)
  await Promise.all(
    origins.map((origin) => updateOtec(prisma, secrets, otec.id, { addReturnOrigins: [origin] })),
  )
  const stored = await prisma.otec.findUniqueOrThrow({ where: { id: otec.id } })
  t.same([...stored.returnOrigins].sort(), ['https://a.example.cl', ...origins].sort())
})

t.test('environment change counts stale keys', async (t) => {
  const { prisma, otec } = await setUp(t)
  await issueApiKey(prisma, otec, 'second')
  const moved = await updateOtec(prisma, secrets, otec.id, { environment: 'production' })
  t.equal(moved?.otec.environment, 'production')
  t.equal(moved?.keysOfOtherEnvironment, 2)
  const same = await updateOtec(prisma, secrets, otec.id, { name: 'Otro nombre' })
  t.equal(same?.keysOfOtherEnvironment, 2, 'still stale until revoked')
})

t.test('Token is re-sealed, never echoed', async (t) => {
  const { prisma, otec } = await setUp(t)
  const updated = await updateOtec(prisma, secrets, otec.id, { senceToken: '  TOKEN-2  ' })
  t.equal(secrets.open(updated?.otec.senceTokenSealed as string), 'TOKEN-2')
  const tooLong = 'T'.repeat(37)
  const error = await updateOtec(prisma, secrets, otec.id, { senceToken: tooLong }).catch(
    (caught: unknown) => caught,
  )
  t.type(error, InvalidOtecError)
  t.notMatch((error as Error).message, tooLong)
  t.match((error as Error).message, /37 characters; SENCE accepts at most 36/)
})

t.test('every invalid input at once', async (t) => {
  const { prisma, otec } = await setUp(t)
  const error = (await updateOtec(prisma, secrets, otec.id, {
    name: ' ',
    maxSessionMinutes: 0,
    addReturnOrigins: ['ftp://x.example.cl'],
  }).catch((caught: unknown) => caught)) as InvalidOtecError
  t.same(
    error.problems.map((problem) => problem.field),
    ['name', 'maxSessionMinutes', 'addReturnOrigins'],
  )
  t.equal(await updateOtec(prisma, secrets, '00000000-0000-4000-8000-000000000000', {}), null)
  t.equal(await updateOtec(prisma, secrets, 'not-a-uuid', {}), null)
})

t.test('concurrent creates of one RUT', async (t) => {
  const db = await createTestDatabase(t, { poolMax: 10 })
  const rut = nextTestRut()
  const results = await Promise.allSettled(
    Array.from({ length: 5 }, () =>
      createOtec(db.prisma, secrets, { rut, name: 'X', environment: 'test', senceToken: 'T' }),
    ),
  )
  t.equal(results.filter((result) => result.status === 'fulfilled').length, 1)
  for (const result of results.filter((result) => result.status === 'rejected'))
    t.type(result.reason, OtecExistsError)
  t.equal(await db.prisma.otec.count({ where: { rut } }), 1)
})
