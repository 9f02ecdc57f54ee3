// One HTTP attempt of a webhook delivery. It never throws: every outcome
// (a response of any status, a timeout, a refused connection, a blocked
// address) comes back as an AttemptResult for the scheduler to store and act
// on. Redirects are not followed, since a receiver that moved must be
// updated by its OTEC, and a redirect could lead past the address guard.

import { Agent, request } from 'undici'
import { honoursRetryAfter, parseRetryAfter } from './retry-schedule.ts'
import { blockedLiteralHost, guardedLookup } from './target-guard.ts'

/** The response body is read up to this many bytes, then dropped. */
const MAX_RESPONSE_BYTES = 64 * 1024
/** The first characters of the response body kept in the delivery log. */
export const RESPONSE_EXCERPT_CHARS = 1024

export interface AttemptRequest {
  url: string
  body: string
  headers: Record<string, string>
  /** Cuts the attempt short, as the timeout does: a stopping worker gives up its last attempts. */
  signal?: AbortSignal | undefined
}

/** Why an attempt failed: a non-2xx status, no response in time, no connection, or a forbidden address. */
export type AttemptFailureKind = 'http_error' | 'timeout' | 'network_error' | 'blocked'

export interface AttemptResult {
  outcome: 'succeeded' | 'failed'
  /** Null on success. */
  failureKind: AttemptFailureKind | null
  startedAt: Date
  durationMs: number
  /** Null when no response arrived. */
  statusCode: number | null
  /** Why the attempt failed, in words; null on success. */
  error: string | null
  /** The receiver's Retry-After in seconds, read on 429 and 5xx only. */
  retryAfterSeconds: number | null
  responseExcerpt: string | null
}

export interface WebhookSender {
  send(attempt: AttemptRequest): Promise<AttemptResult>
  close(): Promise<void>
}

export interface WebhookSenderOptions {
  /** The whole attempt, from DNS lookup to the last byte read, in milliseconds. */
  timeoutMs: number
  allowPrivateTargets: boolean
  userAgent: string
}

/** Builds the HTTP client of the worker: one connection pool, the address guard in every connection. */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  const agent = new Agent({
    connect: {
      timeout: options.timeoutMs,
      lookup: guardedLookup(options.allowPrivateTargets),
    },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    // A receiver's keep-alive saves a handshake per attempt, but a dead
    // connection must not be reused for long.
    keepAliveTimeout: 10_000,
  })

  return {
    send: (attempt) => sendWithAgent(agent, options, attempt),
    close: () => agent.close(),
  }
}

async function sendWithAgent(
  agent: Agent,
  options: WebhookSenderOptions,
  attempt: AttemptRequest,
): Promise<AttemptResult> {
  const startedAt = new Date()
  const started = performance.now()
  const finish = (fields: Omit<AttemptResult, 'startedAt' | 'durationMs'>): AttemptResult => ({
    ...fields,
    startedAt,
    durationMs: Math.round(performance.now() - started),
  })

  // An IP literal never goes through the lookup, so it is checked here.
  const blocked = blockedLiteralHost(new URL(attempt.url), options.allowPrivateTargets)
  if (blocked !== null) return finish(failure('blocked', blocked))

  try {
    const response = await request(attempt.url, {
      method: 'POST',
      dispatcher: agent,
      headers: {
        'content-type': 'application/json',
        'user-agent': options.userAgent,
        ...attempt.headers,
      },
      body: attempt.body,
      signal:
        attempt.signal === undefined
          ? AbortSignal.timeout(options.timeoutMs)
          : AbortSignal.any([AbortSignal.timeout(options.timeoutMs), attempt.signal]),
    })
    const excerpt = await readExcerpt(response.body)
    const statusCode = response.statusCode

    if (statusCode >= 200 && statusCode < 300) {
      return finish({
        outcome: 'succeeded',
        failureKind: null,
        statusCode,
        error: null,
        retryAfterSeconds: null,
        responseExcerpt: excerpt,
      })
    }
    const retryAfter = honoursRetryAfter(statusCode)
      ? parseRetryAfter(headerValue(response.headers['retry-after']), new Date())
      : null
    return finish({
      outcome: 'failed',
      failureKind: 'http_error',
      statusCode,
      error: describeStatus(statusCode, headerValue(response.headers['location'])),
      retryAfterSeconds: retryAfter,
      responseExcerpt: excerpt,
    })
  } catch (error) {
    const described = describeError(error, options.timeoutMs)
    return finish(failure(described.kind, described.message))
  }
}

function failure(kind: AttemptFailureKind, error: string) {
  return {
    outcome: 'failed' as const,
    failureKind: kind,
    statusCode: null,
    error,
    retryAfterSeconds: null,
    responseExcerpt: null,
  }
}

/** Reads the start of a response body and discards the rest. */
async function readExcerpt(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = []
  let length = 0
  for await (const chunk of body) {
    chunks.push(chunk)
    length += chunk.length
    if (length >= MAX_RESPONSE_BYTES) {
      body.destroy()
      break
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, RESPONSE_EXCERPT_CHARS)
}

function describeStatus(statusCode: number, location: string | undefined): string {
  if (statusCode >= 300 && statusCode < 400)
    return `the receiver answered ${statusCode} (redirect${location ? ` to ${location}` : ''}), which is not followed; update the endpoint's URL`
  return `the receiver answered ${statusCode}`
}

function describeError(
  error: unknown,
  timeoutMs: number,
): { kind: AttemptFailureKind; message: string } {
  const err = error as { name?: string; code?: string; message?: string; cause?: unknown }
  const cause = err.cause as { code?: string; message?: string; name?: string } | undefined
  if (err.name === 'BlockedTargetError' || cause?.name === 'BlockedTargetError') {
    const message = (err.name === 'BlockedTargetError' ? err.message : cause?.message) ?? 'blocked'
    return { kind: 'blocked', message }
  }
  const code = err.code ?? cause?.code
  if (
    err.name === 'TimeoutError' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  )
    return { kind: 'timeout', message: `timed out after ${timeoutMs} ms` }
  switch (code) {
    case 'ECONNREFUSED':
      return { kind: 'network_error', message: 'connection refused' }
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return {
        kind: 'network_error',
        message: 'connection closed by the receiver before a response',
      }
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { kind: 'network_error', message: 'the host name does not resolve' }
  }
  const message = `request failed: ${err.message ?? String(error)}${code ? ` (${code})` : ''}`
  return { kind: 'network_error', message }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
