// Session steps for tests: a started session through the simulator, a
// close through the API, posts of callback forms, and reads of a session
// with its events and webhooks straight from the database.

import type { LightMyRequestResponse } from 'fastify'
import {
  createIntent,
  gatewayPath,
  getPage,
  submitForm,
  VALID_INTENT,
  visitThroughSimulator,
  type SimulatedVisit,
} from './browser-flow.ts'
import { onlyFormOf, type HtmlForm } from './html-forms.ts'
import type { TestGateway } from './gateway.ts'

export interface StartedSession {
  id: string
  startUrl: string
  /** The simulator's form that posted the start callback, to post it again. */
  callbackForm: HtmlForm
  visit: SimulatedVisit
}

/** Creates an intent and takes it through the simulator with `outcome` (`ok` by default). */
export async function startSession(
  gateway: TestGateway,
  options: { intent?: Record<string, unknown>; outcome?: string } = {},
): Promise<StartedSession> {
  const created = await createIntent(gateway, { ...VALID_INTENT, ...options.intent })
  if (created.statusCode !== 201)
    throw new Error(`intent not created: ${JSON.stringify(created.body)}`)
  const visit = await visitThroughSimulator(gateway, created.body['startUrl'], {
    outcome: options.outcome ?? 'ok',
  })
  if (visit.callbackForm === null) throw new Error('the simulator posted no callback')
  return {
    id: created.body['id'],
    startUrl: created.body['startUrl'],
    callbackForm: visit.callbackForm,
    visit,
  }
}

/** Creates a pending intent and returns its id and startUrl. */
export async function pendingIntent(gateway: TestGateway, intent: Record<string, unknown> = {}) {
  const created = await createIntent(gateway, { ...VALID_INTENT, ...intent })
  if (created.statusCode !== 201)
    throw new Error(`intent not created: ${JSON.stringify(created.body)}`)
  return { id: created.body['id'] as string, startUrl: created.body['startUrl'] as string }
}

/**
 * Takes a start or close URL through the simulator up to SENCE's response, with
 * `outcome` (`ok` or a SENCE code), and returns the form the simulator
 * would auto-post to the gateway, without posting it.
 */
export async function simulatorAnswer(
  gateway: TestGateway,
  startOrCloseUrl: string,
  outcome = 'ok',
): Promise<HtmlForm> {
  const launch = await getPage(gateway, startOrCloseUrl)
  const login = await submitForm(gateway, onlyFormOf(launch.body))
  const answer = await submitForm(gateway, onlyFormOf(login.body), { outcome })
  return onlyFormOf(answer.body)
}

/** POST /v1/sessions/{id}/close with the OTEC's key. */
export async function requestCloseThroughApi(
  gateway: TestGateway,
  sessionId: string,
  body: Record<string, unknown> = {},
): Promise<LightMyRequestResponse> {
  return gateway.app.inject({
    method: 'POST',
    url: `/v1/sessions/${sessionId}/close`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
    payload: body,
  })
}

/** Posts fields to a callback URL as SENCE's page would, form-urlencoded. */
export async function postCallback(
  gateway: TestGateway,
  url: string,
  fields: Record<string, string> | string,
): Promise<LightMyRequestResponse> {
  return gateway.app.inject({
    method: 'POST',
    url: gatewayPath(url, gateway.settings.publicBaseUrl),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: typeof fields === 'string' ? fields : new URLSearchParams(fields).toString(),
  })
}

/** Reads the session with its events in order, its tickets and its webhook events. */
export async function readSession(gateway: TestGateway, sessionId: string) {
  return gateway.db.prisma.session.findUniqueOrThrow({
    where: { id: sessionId },
    include: {
      events: { orderBy: { createdAt: 'asc' } },
      tickets: { orderBy: { createdAt: 'asc' } },
      webhookEvents: { orderBy: { createdAt: 'asc' } },
    },
  })
}

/** Event types of a session, in order. */
export async function eventTypes(gateway: TestGateway, sessionId: string): Promise<string[]> {
  return (await readSession(gateway, sessionId)).events.map((event) => event.type)
}

/** Counts events of a type, across every session (and none). */
export async function countEvents(gateway: TestGateway, type: string): Promise<number> {
  return gateway.db.prisma.sessionEvent.count({ where: { type } })
}

/** Log lines whose msg is `message`. */
export function logLinesWith(gateway: TestGateway, message: string): Record<string, unknown>[] {
  return gateway.logLines.filter((line) => line['msg'] === message)
}
