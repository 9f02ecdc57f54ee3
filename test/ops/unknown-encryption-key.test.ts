import t from 'tap'
import { createOtec } from '../../src/otecs/create-otec.ts'
import { createSecretBox } from '../../src/security/secret-box.ts'
import { nextTestRut, TEST_ENCRYPTION_KEYS } from '../helpers/gateway.ts'
import { freePort, startGatewayProcess, waitForOutput } from '../helpers/gateway-process.ts'
import { createTestDatabase } from '../helpers/test-database.ts'

// A key rotation done in the wrong order (the old key removed before
// `reseal-secrets`) leaves ENCRYPTION_KEYS unable to open the stored
// Tokens. The gateway must report it at start-up or through /readyz, so that
// a load balancer stops sending it students, not answer "ready" and then
// fail every intent with a 500.
const OTHER_KEYS = 'other:ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8='

t.test('keys that cannot open stored secrets', async (t) => {
  const db = await createTestDatabase(t)
  await createOtec(db.prisma, createSecretBox(TEST_ENCRYPTION_KEYS), {
    rut: nextTestRut(),
    name: 'OTEC de prueba',
    environment: 'test',
    senceToken: '12345678-1234-1234-1234-123456789',
    returnOrigins: ['https://lms.example.cl'],
  })

  const port = await freePort()
  const serve = startGatewayProcess(['serve'], {
    DATABASE_URL: db.url,
    ENCRYPTION_KEYS: OTHER_KEYS,
    PORT: String(port),
    LOG_LEVEL: 'info',
  })
  t.teardown(() => serve.child.kill('SIGKILL'))

  const refusedToStart = await waitForOutput(serve, (stdout) =>
    stdout.includes('sence-gateway listening'),
  ).then(
    () => false,
    () => true,
  )
  if (refusedToStart) {
    t.match(serve.stderr(), /ENCRYPTION_KEYS/, 'the start-up error names ENCRYPTION_KEYS')
    return
  }
  const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
  t.equal(ready.status, 503, '/readyz reports the unusable keys')
  t.match(await ready.text(), /other|ENCRYPTION_KEYS|key/i, 'and names the cause')
})
