import { createServer } from 'node:net'
import t from 'tap'
import { TEST_ENCRYPTION_KEYS } from '../helpers/gateway.ts'
import { freePort, startGatewayProcess } from '../helpers/gateway-process.ts'
import { createTestDatabase } from '../helpers/test-database.ts'

// `serve` starts its webhook worker and expiry sweeper before it listens.
// When listen fails, the process must stop them and exit non-zero, so that
// a supervisor detects the failure, instead of living on as a worker that
// serves no HTTP.
t.test('serve exits when its port is taken', async (t) => {
  const db = await createTestDatabase(t)
  const port = await freePort()
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())))

  const serve = startGatewayProcess(['serve'], {
    DATABASE_URL: db.url,
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    PORT: String(port),
    LOG_LEVEL: 'info',
  })
  t.teardown(() => serve.child.kill('SIGKILL'))

  const timeout = new Promise<'still running'>((resolve) =>
    setTimeout(() => resolve('still running'), 20_000),
  )
  const outcome = await Promise.race([serve.exited, timeout])
  t.not(outcome, 'still running', 'the process exits within 20 s')
  t.equal(outcome, 1, 'with status 1')
  t.match(serve.stderr(), /EADDRINUSE/, 'and the message names the cause')
})
