// The embedded mode: PGlite behind one pooled connection, shared by Prisma
// and pg-boss, with callbacks enqueueing inside their transaction.

import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { freePort, startGatewayProcess, waitForOutput } from '../helpers/gateway-process.ts'
import { loginOverHttp } from '../helpers/http-login.ts'
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts'

t.test('embedded gateway delivers webhooks', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sg-embedded-webhooks-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const receiver = await startWebhookReceiver(t, (request) =>
    request.index === 0 ? { status: 503 } : { status: 200 },
  )
  const port = await freePort()
  const base = `http://localhost:${port}`
  const server = startGatewayProcess(['serve'], {
    DATA_DIR: dataDir,
    PORT: String(port),
    WEBHOOK_RETRY_DELAYS: '1,1',
  })
  t.teardown(() => server.child.kill('SIGKILL'))
  await waitForOutput(server, (_out, err) => err.includes('demo API key:'), 60_000)
  const apiKey = /demo API key:\s+(sk_test_\S+)/.exec(server.stderr())?.[1] as string

  const created = await fetch(`${base}/v1/webhook-endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiver.url }),
  })
  t.equal(created.status, 201, 'loopback receivers are allowed when embedded')
  const endpoint = (await created.json()) as { id: string; secret: string }
  receiver.secrets = [endpoint.secret]

  const { sessionId } = await loginOverHttp(base, apiKey)
  await receiver.waitFor((received) => received.length >= 2, 30_000)
  const [failed, delivered] = receiver.received
  t.equal(delivered?.payload.type, 'session.started')
  t.equal(delivered?.payload.data['id'], sessionId)
  t.equal(delivered?.webhookId, failed?.webhookId, 'retried with the same webhook-id')
  t.ok(
    receiver.received.every((request) => request.verified),
    'standardwebhooks verifies them',
  )

  const test = await fetch(`${base}/v1/webhook-endpoints/${endpoint.id}/test`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}` },
  })
  t.equal(test.status, 202)
  await receiver.waitFor(
    (received) => received.some((r) => r.payload.type === 'webhook.test'),
    30_000,
  )

  const log = await fetch(`${base}/v1/sessions/${sessionId}/webhook-events`, {
    headers: { authorization: `Bearer ${apiKey}` },
  })
  const events = (await log.json()) as {
    events: { deliveries: { status: string; attemptCount: number }[] }[]
  }
  t.equal(events.events[0]?.deliveries[0]?.status, 'succeeded')
  t.equal(events.events[0]?.deliveries[0]?.attemptCount, 2)

  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0, 'SIGTERM stops the server and the worker')
})
