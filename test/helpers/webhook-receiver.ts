// A real webhook receiver on loopback for the delivery tests: it records
// every request, verifies each signature with the `standardwebhooks`
// package (an implementation independent of the gateway's), and answers as
// the test scripts it: down, slow, 410, 429 with Retry-After, and so on.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'

export interface ReceivedWebhook {
  webhookId: string
  timestamp: number
  signature: string
  body: string
  payload: { type: string; timestamp: string; data: Record<string, unknown> }
  receivedAt: number
  /** Whether `standardwebhooks` accepted the signature with one of the receiver's secrets. */
  verified: boolean
  /** The order of this request among all requests, from 0. */
  index: number
}

export interface ScriptedResponse {
  status: number
  headers?: Record<string, string>
  body?: string
  /** Waits this long before answering, in milliseconds. */
  delayMs?: number
  /** Destroys the connection instead of answering, as a crashed receiver would. */
  hangUp?: boolean
}

export type ResponseScript = (request: ReceivedWebhook) => ScriptedResponse

export interface WebhookReceiver {
  url: string
  received: ReceivedWebhook[]
  /** Secrets the receiver verifies with; any one of them must match. */
  secrets: string[]
  respond: ResponseScript
  /** The most requests of one webhook-id that were in progress at the same time. */
  maxConcurrentPerId(): number
  waitFor(predicate: (received: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

interface Teardown {
  teardown(fn: () => unknown): void
}

export async function startWebhookReceiver(
  t: Teardown,
  respond: ResponseScript = () => ({ status: 204 }),
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = []
  const inFlight = new Map<string, number>()
  let maxConcurrent = 0

  const receiver: WebhookReceiver = {
    url: '',
    received,
    secrets: [],
    respond,
    maxConcurrentPerId: () => maxConcurrent,
    waitFor: async (predicate, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs
      while (!predicate(received)) {
        if (Date.now() > deadline)
          throw new Error(
            `receiver did not see what was expected within ${timeoutMs} ms; got ${received.length} requests: ` +
              JSON.stringify(received.map((r) => ({ id: r.webhookId, type: r.payload?.type }))),
          )
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }

  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks).toString('utf8')
    const headers = {
      'webhook-id': String(request.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
    }
    const webhook: ReceivedWebhook = {
      webhookId: headers['webhook-id'],
      timestamp: Number(headers['webhook-timestamp']),
      signature: headers['webhook-signature'],
      body,
      payload: safeJson(body),
      receivedAt: Date.now(),
      verified: receiver.secrets.some((secret) => verifies(secret, body, headers)),
      index: received.length,
    }
    received.push(webhook)

    const running = (inFlight.get(webhook.webhookId) ?? 0) + 1
    inFlight.set(webhook.webhookId, running)
    maxConcurrent = Math.max(maxConcurrent, running)
    try {
      const scripted = receiver.respond(webhook)
      if (scripted.delayMs !== undefined)
        await new Promise((resolve) => setTimeout(resolve, scripted.delayMs))
      if (scripted.hangUp === true) {
        request.socket.destroy()
        return
      }
      response.writeHead(scripted.status, scripted.headers ?? {})
      response.end(scripted.body ?? '')
    } finally {
      inFlight.set(webhook.webhookId, (inFlight.get(webhook.webhookId) ?? 1) - 1)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sence/webhooks`
  t.teardown(() => receiver.close())
  return receiver
}

function verifies(secret: string, body: string, headers: Record<string, string>): boolean {
  try {
    new Webhook(secret).verify(body, headers)
    return true
  } catch {
    return false
  }
}

function safeJson(body: string) {
  try {
    return JSON.parse(body)
  } catch {
    return { type: '', timestamp: '', data: {} }
  }
}
