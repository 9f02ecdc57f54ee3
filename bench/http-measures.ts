// Measures (a) to (d): one autocannon run each, against a baseline or the
// gateway, at a given number of connections.

import {
  type PreparedIntent,
  intentBody,
  preparedIntentOf,
  senceNow,
  startCallbackForm,
} from './intents.ts'
import { type LoadFigures, runLoad } from './load.ts'

export interface RunShape {
  connections: number
  durationSeconds: number
}

/** (a) GET /hello on the bare fastify baseline. */
export function measureHello(baseUrl: string, shape: RunShape): Promise<LoadFigures> {
  return runLoad({
    url: baseUrl,
    ...shape,
    expectStatus: 200,
    request: { method: 'GET', path: '/hello' },
  })
}

/** (b) POST /v1/sessions on the bare fastify + pg baseline. */
export function measureBareIntent(
  baseUrl: string,
  shape: RunShape,
  returnUrl: string,
): Promise<LoadFigures> {
  return runLoad({
    url: baseUrl,
    ...shape,
    expectStatus: 201,
    request: {
      method: 'POST',
      path: '/v1/sessions',
      headers: { 'content-type': 'application/json' },
      body: intentBody(returnUrl),
    },
  })
}

/**
 * (c) The gateway's POST /v1/sessions. The intents it creates are appended
 * to `created`, with the ticket and IdSesionAlumno read from each response, for (d).
 */
export function measureCreate(
  gatewayUrl: string,
  apiKey: string,
  shape: RunShape,
  returnUrl: string,
  created: PreparedIntent[],
): Promise<LoadFigures> {
  return runLoad({
    url: gatewayUrl,
    ...shape,
    expectStatus: 201,
    request: {
      method: 'POST',
      path: '/v1/sessions',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: intentBody(returnUrl),
      onResponse: (status, body) => {
        if (status !== 201) return
        const intent = preparedIntentOf(body)
        if (intent !== null) created.push(intent)
      },
    },
  })
}

/** Creates `count` login intents through the API, unmeasured, and returns them. */
export async function prepareIntents(
  gatewayUrl: string,
  apiKey: string,
  returnUrl: string,
  count: number,
): Promise<PreparedIntent[]> {
  const intents: PreparedIntent[] = []
  const figures = await runLoad({
    url: gatewayUrl,
    connections: 16,
    amount: count,
    expectStatus: 201,
    request: {
      method: 'POST',
      path: '/v1/sessions',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: intentBody(returnUrl),
      onResponse: (status, body) => {
        const intent = status === 201 ? preparedIntentOf(body) : null
        if (intent !== null) intents.push(intent)
      },
    },
  })
  if (intents.length < count)
    throw new Error(
      `creating ${count} intents gave ${intents.length}; other responses: ${JSON.stringify(figures.unexpected)}`,
    )
  return intents
}

/**
 * Loads the launch page of every intent, unmeasured, as the student's
 * browser does on its way to SENCE: the gateway rejects a callback for a
 * ticket whose launch page was never served.
 */
export async function serveLaunchPages(
  gatewayUrl: string,
  intents: PreparedIntent[],
): Promise<void> {
  const pending = [...intents]
  const figures = await runLoad({
    url: gatewayUrl,
    connections: 16,
    amount: pending.length,
    expectStatus: 200,
    request: {
      method: 'GET',
      path: '/go/unset',
      setupRequest: (request) => {
        const intent = pending.shift()
        return intent === undefined ? request : { ...request, path: `/go/${intent.ticket}` }
      },
    },
  })
  if (figures.responses < intents.length)
    throw new Error(
      `loading ${intents.length} launch pages gave ${figures.responses}; other responses: ${JSON.stringify(figures.unexpected)}`,
    )
}

/** Returns the minimum number of callbacks (d) sends in a run, enough for every connection to send several. */
export function minimumCallbacks(connections: number): number {
  return Math.max(4 * connections, 100)
}

export interface CallbackFigures extends LoadFigures {
  /** Start callbacks sent, one per prepared intent. */
  callbacks: number
}

/**
 * (d) The gateway's start callback, POST /cb/{ticket}/ok, each request with
 * a ticket of its own taken from `intents` (which it empties), whose launch
 * page serveLaunchPages has loaded. autocannon
 * builds one request ahead on every connection, so `connections` tickets
 * are built but never sent; the run sends the rest.
 */
export async function measureCallback(
  gatewayUrl: string,
  intents: PreparedIntent[],
  connections: number,
): Promise<CallbackFigures> {
  const amount = intents.length - connections
  if (amount < minimumCallbacks(connections)) {
    return {
      requestsPerSecond: null,
      p50Ms: null,
      p99Ms: null,
      responses: 0,
      unexpected: {},
      durationSeconds: 0,
      callbacks: 0,
      reason: `only ${intents.length} intents were prepared, too few for ${connections} connections`,
    }
  }
  const fechaHora = senceNow()
  let exhausted = false
  const figures = await runLoad({
    url: gatewayUrl,
    connections,
    amount,
    expectStatus: 303,
    request: {
      method: 'POST',
      path: '/cb/unset/ok',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      setupRequest: (request) => {
        const intent = intents.shift()
        if (intent === undefined) {
          // Never sent a used ticket: the duplicate path is cheaper and would flatter the figure.
          exhausted = true
          return request
        }
        return {
          ...request,
          path: `/cb/${intent.ticket}/ok`,
          body: startCallbackForm(intent, fechaHora),
        }
      },
    },
  })
  if (exhausted) {
    return {
      ...figures,
      callbacks: amount,
      requestsPerSecond: null,
      reason: 'the prepared tickets ran out during the run, so some callbacks reused a ticket',
    }
  }
  return { ...figures, callbacks: amount }
}
