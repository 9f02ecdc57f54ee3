// A local webhook receiver that responds with 204 at once and counts what
// arrives, by path, so that each OTEC of the bench can have its own
// endpoint. A path can be stalled: its requests are counted as they arrive
// but answered only at its release, which lets measure (f) build a backlog. Deliveries are counted once per `webhook-id` (Standard
// Webhooks' id, the same on every attempt of one event), so a retried
// delivery is not counted twice.

import { createServer, type Server } from 'node:http'
import { performance } from 'node:perf_hooks'

export interface ReceiverCounts {
  /** Requests received, retries included. */
  requests: number
  /** Distinct webhook-id values, or requests without one counted one each. */
  deliveries: number
  /** performance.now() of the first and the latest new delivery, or null before any. */
  firstAt: number | null
  lastAt: number | null
  /**
   * Milliseconds from each new delivery's event to its arrival, where the
   * body carries the event's time as `timestamp` (Standard Webhooks' envelope).
   */
  lagsMs: number[]
}

export interface WebhookReceiver {
  baseUrl: string
  /** Returns the counts of one path since the start. */
  counts(path: string): ReceiverCounts
  /** Holds the responses to requests on `path` until release(path). */
  stall(path: string): void
  /** Answers the requests held on `path` and stops holding new ones. */
  release(path: string): void
  close(): Promise<void>
}

export async function startWebhookReceiver(port: number): Promise<WebhookReceiver> {
  const byPath = new Map<string, ReceiverCounts & { ids: Set<string> }>()
  /** The responses held on each stalled path. */
  const held = new Map<string, (() => void)[]>()

  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] as string
    let counts = byPath.get(path)
    if (counts === undefined) {
      counts = {
        requests: 0,
        deliveries: 0,
        firstAt: null,
        lastAt: null,
        lagsMs: [],
        ids: new Set(),
      }
      byPath.set(path, counts)
    }
    counts.requests += 1
    const id = request.headers['webhook-id']
    const isNew = typeof id !== 'string' || !counts.ids.has(id)
    const arrivedAt = Date.now()
    if (isNew) {
      if (typeof id === 'string') counts.ids.add(id)
      const now = performance.now()
      counts.deliveries += 1
      counts.firstAt ??= now
      counts.lastAt = now
    }
    // The response goes out before the body is read, as from a receiver that responds at once.
    const respond = () => response.writeHead(204).end()
    const holding = held.get(path)
    if (holding === undefined) respond()
    else holding.push(respond)

    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      if (!isNew) return
      const eventTime = eventTimeOf(Buffer.concat(chunks).toString('utf8'))
      if (eventTime !== null) counts.lagsMs.push(arrivedAt - eventTime)
    })
  })
  server.keepAliveTimeout = 60_000

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    counts(path) {
      const counts = byPath.get(path)
      if (counts === undefined)
        return { requests: 0, deliveries: 0, firstAt: null, lastAt: null, lagsMs: [] }
      const { ids: _ids, ...rest } = counts
      return { ...rest, lagsMs: [...rest.lagsMs] }
    },
    stall(path) {
      if (!held.has(path)) held.set(path, [])
    },
    release(path) {
      const holding = held.get(path) ?? []
      held.delete(path)
      for (const respond of holding) respond()
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Returns the epoch milliseconds of a webhook body's `timestamp`, or null. */
function eventTimeOf(body: string): number | null {
  try {
    const timestamp = (JSON.parse(body) as { timestamp?: unknown }).timestamp
    const time = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN
    return Number.isNaN(time) ? null : time
  } catch {
    return null
  }
}
