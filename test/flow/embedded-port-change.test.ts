import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { freePort, startGatewayProcess, waitForOutput } from '../helpers/gateway-process.ts'

// The demo OTEC's return origin is PUBLIC_BASE_URL's origin at its first
// start. A developer who restarts the embedded default on another PORT
// (3000 was taken, say) keeps the data folder, and the demo page and the
// curl command of the start-up banner must still work on the new port.
t.test('embedded restart on another port', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sg-embedded-port-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))

  const firstPort = await freePort()
  const first = startGatewayProcess(['serve'], {
    DATA_DIR: dataDir,
    PORT: String(firstPort),
    LOG_LEVEL: 'info',
  })
  t.teardown(() => first.child.kill('SIGKILL'))
  await waitForOutput(first, (_out, err) => err.includes('demo API key:'), 60_000)
  first.child.kill('SIGTERM')
  t.equal(await first.exited, 0)

  const port = await freePort()
  const base = `http://localhost:${port}`
  const second = startGatewayProcess(['serve'], {
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'info',
  })
  t.teardown(() => second.child.kill('SIGKILL'))
  await waitForOutput(second, (_out, err) => err.includes('demo API key:'), 60_000)
  const apiKey = /demo API key:\s+(sk_test_\S+)/.exec(second.stderr())?.[1] as string

  const demo = await fetch(`${base}/demo/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'runAlumno=12.345.678-5&codigoCurso=-1&lineaCapacitacion=3',
    redirect: 'manual',
  })
  t.equal(demo.status, 303, 'the demo page still starts a login')

  // The intent that the banner's curl command creates.
  const banner = await fetch(`${base}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      runAlumno: '12345678-5',
      codSence: '-1',
      codigoCurso: '-1',
      lineaCapacitacion: 3,
      returnUrl: `${base}/demo/back`,
    }),
  })
  t.equal(banner.status, 201, 'the banner’s curl command still works')
})
