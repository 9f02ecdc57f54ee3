import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startTestGateway } from '../helpers/gateway.ts'
import { freePort } from '../helpers/gateway-process.ts'

const SCRIPT = fileURLToPath(new URL('../../docker/healthcheck.js', import.meta.url))

/** Runs the script as Docker does; asynchronously, since the gateway runs in this process. */
function runCheck(port: number, ...args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [SCRIPT, ...args], {
      env: { PATH: process.env['PATH'] ?? '', PORT: String(port) },
      timeout: 10_000,
    })
    child.once('exit', (code) => resolve(code))
  })
}

t.test('container health check', async (t) => {
  const gateway = await startTestGateway(t)
  const port = await freePort()
  await gateway.app.listen({ host: '127.0.0.1', port })

  t.equal(await runCheck(port), 0, '/healthz by default')
  t.equal(await runCheck(port, '/readyz'), 0, '/readyz when ready')
  t.equal(await runCheck(port, '/no-such-path'), 1, 'a 404 is unhealthy')
  await gateway.db.pool.query('DELETE FROM _prisma_migrations')
  t.equal(await runCheck(port, '/readyz'), 1, '/readyz 503 is unhealthy')
  t.equal(await runCheck(await freePort()), 1, 'nothing listening is unhealthy')
})
