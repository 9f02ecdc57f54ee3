// The admin dashboard in tests: staff accounts, a signed-in client over
// fastify's inject that keeps cookies and sends each form's CSRF token, and
// a world of sessions in every status with webhook deliveries that
// succeeded, failed or wait.

import type { LightMyRequestResponse } from 'fastify'
import { parse } from 'node-html-parser'
import { createStaffAccount } from '../../src/staff/staff-accounts.ts'
import { expireSessions } from '../../src/sessions/expire-sessions.ts'
import type { SessionStatus } from '../../src/sessions/session-status.ts'
import { createEndpoint } from '../../src/webhooks/endpoints.ts'
import type { TestGateway } from './gateway.ts'
import {
  pendingIntent,
  postCallback,
  requestCloseThroughApi,
  simulatorAnswer,
  startSession,
} from './sessions.ts'
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.ts'
import { startTestWorker, type TestWorker } from './webhook-worker.ts'

export const STAFF_PASSWORD = 'una clave de prueba bastante larga'

let staffCounter = 0

export async function createStaff(
  gateway: TestGateway,
  options: { otecId?: string; email?: string; password?: string } = {},
) {
  staffCounter += 1
  const email = options.email ?? `persona${staffCounter}@otec.test`
  const password = options.password ?? STAFF_PASSWORD
  const account = await createStaffAccount(gateway.db.prisma, {
    otecId: options.otecId ?? gateway.otec.id,
    email,
    name: 'Persona de prueba',
    password,
  })
  return { id: account.id, email, password }
}

/** A browser over inject: keeps cookies as a browser would (without their attributes). */
export class AdminClient {
  readonly cookies = new Map<string, string>()
  private readonly gateway: TestGateway

  constructor(gateway: TestGateway) {
    this.gateway = gateway
  }

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    const response = await this.gateway.app.inject({
      method: 'GET',
      url,
      headers: { cookie: this.cookieHeader() },
    })
    this.keepCookies(response)
    return response
  }

  /** Posts form fields; `_csrf` is taken from the page at `tokenFrom` unless given. */
  async post(
    url: string,
    fields: Record<string, string | string[]>,
    tokenFrom = '/admin',
  ): Promise<LightMyRequestResponse> {
    const body = new URLSearchParams()
    if (!('_csrf' in fields)) body.append('_csrf', csrfTokenOf((await this.get(tokenFrom)).body))
    for (const [name, value] of Object.entries(fields))
      for (const item of [value].flat()) body.append(name, item)
    const response = await this.gateway.app.inject({
      method: 'POST',
      url,
      headers: {
        cookie: this.cookieHeader(),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: body.toString(),
    })
    this.keepCookies(response)
    return response
  }

  async signIn(email: string, password: string = STAFF_PASSWORD): Promise<LightMyRequestResponse> {
    return this.post('/admin/sign-in', { email, password, next: '/admin' }, '/admin/sign-in')
  }

  private keepCookies(response: LightMyRequestResponse): void {
    for (const cookie of response.cookies) {
      const expired =
        cookie.maxAge === 0 || (cookie.expires !== undefined && cookie.expires < new Date())
      if (expired) this.cookies.delete(cookie.name)
      else this.cookies.set(cookie.name, cookie.value)
    }
  }
}

export function csrfTokenOf(html: string): string {
  const token = parse(html).querySelector('input[name="_csrf"]')?.getAttribute('value')
  if (token === undefined) throw new Error(`no CSRF token in the page:\n${html.slice(0, 2000)}`)
  return token
}

export async function signedInClient(gateway: TestGateway, email: string): Promise<AdminClient> {
  const client = new AdminClient(gateway)
  const response = await client.signIn(email)
  if (response.statusCode !== 303)
    throw new Error(`sign-in answered ${response.statusCode}: ${response.body.slice(0, 500)}`)
  return client
}

export interface AdminWorld {
  /** A session id in each status. */
  sessions: Record<SessionStatus, string>
  receiver: WebhookReceiver
  worker: TestWorker
  endpointId: string
}

/**
 * Makes sessions in every status through the real flows (the simulator,
 * the API, the expiry sweep), with an endpoint whose receiver accepts every
 * webhook but session.start_failed, which fails until its retries run out.
 * Needs a gateway started with FAST_WEBHOOK_SETTINGS. Returns once no
 * delivery is pending.
 */
export async function buildAdminWorld(
  t: { teardown(fn: () => unknown): void },
  gateway: TestGateway,
  intent: Record<string, unknown> = {},
): Promise<AdminWorld> {
  const { prisma } = gateway.db
  const receiver = await startWebhookReceiver(t, (webhook) => ({
    status: webhook.payload.type === 'session.start_failed' ? 500 : 204,
  }))
  const endpoint = await createEndpoint(
    prisma,
    gateway.secrets,
    { webhookAllowPrivateTargets: true },
    gateway.otec.id,
    { url: receiver.url },
  )
  if (!endpoint.ok) throw new Error(`endpoint not created: ${JSON.stringify(endpoint)}`)
  receiver.secrets.push(endpoint.value.secret)

  // Its time runs out now, so that its webhook is due now too.
  const expired = await pendingIntent(gateway, intent)
  await prisma.session.update({
    where: { id: expired.id },
    data: { pendingExpiresAt: new Date(Date.now() - 1000) },
  })
  await expireSessions(prisma)
  const pending = await pendingIntent(gateway, intent)
  const started = await startSession(gateway, { intent })
  const startFailed = await startSession(gateway, { intent, outcome: '308' })
  const closing = await startSession(gateway, { intent })
  await requestCloseThroughApi(gateway, closing.id)
  const closed = await closeThroughSimulator(gateway, intent, 'ok')
  const closeFailed = await closeThroughSimulator(gateway, intent, '300')

  const worker = await startTestWorker(t, gateway)
  await waitUntil(
    async () => (await prisma.webhookDelivery.count({ where: { status: 'pending' } })) === 0,
  )
  return {
    sessions: {
      pending: pending.id,
      expired: expired.id,
      started: started.id,
      start_failed: startFailed.id,
      closing: closing.id,
      closed,
      close_failed: closeFailed,
    },
    receiver,
    worker,
    endpointId: endpoint.value.endpoint.id,
  }
}

async function closeThroughSimulator(
  gateway: TestGateway,
  intent: Record<string, unknown>,
  outcome: string,
): Promise<string> {
  const session = await startSession(gateway, { intent })
  const close = await requestCloseThroughApi(gateway, session.id)
  const answer = await simulatorAnswer(gateway, close.json().closeUrl, outcome)
  await postCallback(gateway, answer.action, answer.fields)
  return session.id
}

export async function waitUntil(
  condition: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
