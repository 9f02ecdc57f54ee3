// Prometheus metrics of the process, served at /metrics. One registry per
// process, shared by the HTTP server, the session use cases and the webhook
// worker, which record through the small functions below so that none of
// them depends on prom-client. Label values come from fixed sets (route
// templates, session statuses, the codes of SENCE's error table), so that an
// attacker cannot grow the number of series.

import client from 'prom-client'
import { SENCE_ERRORS } from '../protocol/error-table.ts'
import type { SessionStatus } from '../sessions/session-status.ts'

export const metricsRegistry = new client.Registry()
client.collectDefaultMetrics({ register: metricsRegistry })

const httpRequestDuration = new client.Histogram({
  name: 'sence_gateway_http_request_duration_seconds',
  help: 'HTTP request latency, by method, route template and status code.',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
})

const sessionTransitions = new client.Counter({
  name: 'sence_gateway_session_transitions_total',
  help: 'Session status changes, by status before and after.',
  labelNames: ['from', 'to'] as const,
  registers: [metricsRegistry],
})

const senceErrorCodes = new client.Counter({
  name: 'sence_gateway_sence_error_codes_total',
  help: 'Error codes in the GlosaError of applied SENCE callbacks, by code ("other" for codes outside SENCE’s table).',
  labelNames: ['code'] as const,
  registers: [metricsRegistry],
})

const webhookAttempts = new client.Counter({
  name: 'sence_gateway_webhook_attempts_total',
  help: 'Webhook delivery attempts, by outcome.',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
})

/**
 * Outcome of a webhook delivery attempt: `success` (2xx), `http_error`
 * (any other status), `timeout` (no response in time), `network_error`
 * (refused, reset, DNS), `blocked` (the target is a private address that
 * WEBHOOK_ALLOW_PRIVATE_TARGETS forbids).
 */
export type WebhookAttemptOutcome =
  'success' | 'http_error' | 'timeout' | 'network_error' | 'blocked'

/** Records one HTTP response. `route` is the route template (`/cb/:ticket/:endpoint`), never the raw URL. */
export function observeHttpRequest(
  method: string,
  route: string,
  statusCode: number,
  seconds: number,
): void {
  httpRequestDuration.observe({ method, route, status_code: String(statusCode) }, seconds)
}

/** Records one committed session status change. Call after the transaction commits. */
export function countSessionTransition(from: SessionStatus, to: SessionStatus): void {
  sessionTransitions.inc({ from, to })
}

/** Records the codes of one applied callback's GlosaError, each code once. */
export function countSenceErrorCodes(codes: readonly number[]): void {
  for (const code of new Set(codes))
    senceErrorCodes.inc({ code: SENCE_ERRORS.has(code) ? String(code) : 'other' })
}

/** Records one webhook delivery attempt; the webhook worker calls it after each attempt. */
export function observeWebhookAttempt(outcome: WebhookAttemptOutcome): void {
  webhookAttempts.inc({ outcome })
}

/** Returns the registry's text exposition, with the queue gauges refreshed by the caller first. */
export async function renderMetrics(): Promise<{ contentType: string; body: string }> {
  return { contentType: metricsRegistry.contentType, body: await metricsRegistry.metrics() }
}
