import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { freePort } from '../helpers/gateway-process.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

// `npm install && npm start` is the README's first command. npm links the
// bins of dependencies into node_modules/.bin, never the package's own, so
// a start script that calls `sence-gateway` by name must still find it.
t.test('npm start runs the embedded default', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sg-npm-start-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const port = await freePort()
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  // npm runs the server in a child shell: stop the whole process group.
  t.teardown(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL')
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))

  const deadline = Date.now() + 60_000
  while (!output.includes('demo API key:') && child.exitCode === null && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 200))

  t.notMatch(output, /sence-gateway: not found/, 'the start script finds the command')
  t.match(output, /demo API key:\s+sk_test_/, 'and the gateway prints the demo key')
  const health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null)
  t.equal(health?.status, 200, '/healthz answers')
})
