import { EventEmitter } from 'node:events'
import { connect } from 'node:net'
import { Writable } from 'node:stream'
import t from 'tap'
import { stopOnSignal } from '../../src/cli/graceful-shutdown.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { TEST_ENCRYPTION_KEYS } from '../helpers/gateway.ts'
import { freePort, startGatewayProcess, waitForOutput } from '../helpers/gateway-process.ts'
import { createTestDatabase } from '../helpers/test-database.ts'

function captureLogger() {
  const lines: Record<string, any>[] = []
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line))
      callback()
    },
  })
  return { logger: createLogger('info', sink), lines }
}

t.test('steps stop in order', async (t) => {
  const { logger } = captureLogger()
  const order: string[] = []
  const signals = new EventEmitter()
  const stopped = stopOnSignal({
    logger,
    signals,
    timeoutMs: 5_000,
    steps: ['http server', 'webhook worker', 'database'].map((name) => ({
      name,
      stop: async () => void order.push(name),
    })),
    exit: () => t.fail('exit is not called'),
  })
  signals.emit('SIGTERM', 'SIGTERM')
  t.equal(await stopped, 0)
  t.same(order, ['http server', 'webhook worker', 'database'])
})

t.test('failed step still stops the rest', async (t) => {
  const { logger, lines } = captureLogger()
  const order: string[] = []
  const signals = new EventEmitter()
  const stopped = stopOnSignal({
    logger,
    signals,
    timeoutMs: 5_000,
    steps: [
      {
        name: 'webhook worker',
        stop: async () => {
          throw new Error('queue connection lost')
        },
      },
      { name: 'database', stop: async () => void order.push('database') },
    ],
    exit: () => t.fail('exit is not called'),
  })
  signals.emit('SIGINT', 'SIGINT')
  t.equal(await stopped, 1)
  t.same(order, ['database'])
  t.match(lines, [
    { msg: 'shutting down', signal: 'SIGINT' },
    { msg: 'stopping failed', step: 'webhook worker' },
  ])
})

t.test('hung step ends the process at the timeout', async (t) => {
  const { logger, lines } = captureLogger()
  const signals = new EventEmitter()
  const exits: number[] = []
  void stopOnSignal({
    logger,
    signals,
    timeoutMs: 100,
    steps: [{ name: 'http server', stop: () => new Promise<void>(() => {}) }],
    exit: (code) => void exits.push(code),
  })
  signals.emit('SIGTERM', 'SIGTERM')
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.same(exits, [1])
  t.match(lines.at(-1), { msg: 'shutdown timed out; exiting', stopping: 'http server' })
})

t.test('second signal ends the process', async (t) => {
  const { logger, lines } = captureLogger()
  const signals = new EventEmitter()
  const exits: number[] = []
  void stopOnSignal({
    logger,
    signals,
    timeoutMs: 60_000,
    steps: [{ name: 'webhook worker', stop: () => new Promise<void>(() => {}) }],
    exit: (code) => void exits.push(code),
  })
  signals.emit('SIGINT', 'SIGINT')
  t.same(exits, [], 'the first signal starts the shutdown')
  signals.emit('SIGINT', 'SIGINT')
  t.same(exits, [1])
  t.match(lines.at(-1), {
    msg: 'second signal during shutdown; exiting',
    stopping: 'webhook worker',
  })
})

t.test('serve exits 1 when a request outlives the timeout', async (t) => {
  const db = await createTestDatabase(t)
  const port = await freePort()
  const gateway = startGatewayProcess(['serve'], {
    DATABASE_URL: db.url,
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    PORT: String(port),
    SHUTDOWN_TIMEOUT_SECONDS: '1',
  })
  t.teardown(() => gateway.child.kill('SIGKILL'))
  await waitForOutput(gateway, (stdout) => stdout.includes('sence-gateway listening'))

  // A request whose body never arrives stays in flight until requestTimeout (30 s).
  const socket = connect(port, '127.0.0.1')
  t.teardown(() => socket.destroy())
  await new Promise((resolve) => socket.once('connect', resolve))
  socket.write(
    'POST /cb/AAAAAAAAAAAAAAAAAAAAAA/ok HTTP/1.1\r\nHost: x\r\n' +
      'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nRunAlumno=',
  )
  await new Promise((resolve) => setTimeout(resolve, 200))

  const signalledAt = Date.now()
  gateway.child.kill('SIGTERM')
  t.equal(await gateway.exited, 1)
  const elapsed = Date.now() - signalledAt
  t.ok(elapsed >= 1_000 && elapsed < 5_000, `exited after the 1 s timeout (${elapsed} ms)`)
  t.match(gateway.stdout(), /"stopping":"http server","msg":"shutdown timed out; exiting"/)
})
