import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startTestGateway } from '../helpers/gateway.ts'

const CLIENT = fileURLToPath(
  new URL('../../docs/examples/sence_gateway_client.py', import.meta.url),
)
const python = spawnSync('python3', ['--version']).status === 0

function runClient(args: string[], environment: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('python3', [CLIENT, ...args], { env: { ...process.env, ...environment } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

t.test(
  'Python client of docs/examples',
  { skip: python ? false : 'python3 is not installed' },
  async (t) => {
    const gateway = await startTestGateway(t)
    const address = await gateway.app.listen({ host: '127.0.0.1', port: 0 })
    const environment = { SENCE_GATEWAY_URL: address, SENCE_GATEWAY_KEY: gateway.otec.apiKey }

    const created = await runClient(
      ['12.345.678-5', '1234567890', 'RLAB-19-02-08-0071-1', 'https://lms.example.cl/back'],
      environment,
    )
    t.equal(created.code, 0, created.stderr)
    t.match(created.stdout, /^session [0-9a-f-]{36} is pending$/m)
    t.match(created.stdout, /^send the browser to http:\/\/gateway\.test\/go\/[A-Za-z0-9_-]{22}$/m)
    t.match(created.stdout, /^read back: pending$/m)
    const session = await gateway.db.prisma.session.findFirstOrThrow()
    t.equal(session.runAlumno, '12345678-5')
    const key = await gateway.db.prisma.idempotencyKey.findFirstOrThrow()
    t.equal(key.status, 'completed', 'the client sent an Idempotency-Key')

    const rejected = await runClient(
      ['12.345.678-4', '1234567890', 'RLAB-19-02-08-0071-1', 'https://evil.example.com/back'],
      environment,
    )
    t.equal(rejected.code, 1)
    t.match(rejected.stderr, /422 urn:sence-gateway:problem:validation-error/)
    t.match(rejected.stderr, /runAlumno \(SENCE 207\)/)
    t.match(rejected.stderr, /returnUrl \(SENCE None\)/)
  },
)
