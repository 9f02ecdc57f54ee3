import t from 'tap'
import {
  mapWithLimit,
  postCallback,
  prepareCallback,
  startCluster,
  testRun,
  type Instance,
  type PreparedCallback,
} from './cluster.ts'

const CALLBACKS = 240
const CONCURRENCY = 48

interface Delivery {
  /** The instance whose response the browser got. */
  answeredBy: string
  status: number
  /** Whether A's response came after SIGTERM was sent: a request A finished while draining. */
  afterSignal: boolean
  /** What A did instead of responding, when the load balancer had to retry at B. */
  failedAtA: string | null
}

t.test('SIGTERM during a burst of callbacks loses nothing', async (t) => {
  const { db, apiKey, instances } = await startCluster(t, ['a', 'b'])
  const [a, b] = instances as [Instance, Instance]
  const callbacks = await mapWithLimit(
    Array.from({ length: CALLBACKS }, (_, n) => n),
    12,
    (n) => prepareCallback(n % 2 === 0 ? a : b, apiKey, testRun(n)),
  )

  // Every callback goes to A, as to the instance a load balancer picked.
  // When A refuses it (closed port, reset, 503), the balancer retries at B.
  let signalSentAt: number | null = null
  let answered = 0
  const send = async (callback: PreparedCallback): Promise<Delivery> => {
    let failedAtA: string
    try {
      const response = await postCallback(a, callback)
      if (response.status !== 503) {
        answered += 1
        return {
          answeredBy: 'a',
          status: response.status,
          afterSignal: signalSentAt !== null,
          failedAtA: null,
        }
      }
      failedAtA = '503'
    } catch (error) {
      failedAtA = String((error as { cause?: { code?: string } }).cause?.code ?? error)
    }
    const retry = await postCallback(b, callback)
    return { answeredBy: 'b', status: retry.status, afterSignal: false, failedAtA }
  }

  const burst = mapWithLimit(callbacks, CONCURRENCY, async (callback) => {
    if (signalSentAt === null && answered >= CALLBACKS / 4) {
      signalSentAt = Date.now()
      a.process.child.kill('SIGTERM')
    }
    return send(callback)
  })
  const deliveries = await burst
  const exitCode = await a.process.exited
  const stoppedAfterMs = Date.now() - (signalSentAt ?? Date.now())

  t.equal(exitCode, 0, 'A exits 0')
  t.ok(stoppedAfterMs < 20_000, `A stopped within its 20 s timeout (${stoppedAfterMs} ms)`)
  t.same(
    deliveries.filter((delivery) => delivery.status !== 303),
    [],
    'every callback was answered with its 303, by A or after a retry at B',
  )
  const drained = deliveries.filter(
    (delivery) => delivery.answeredBy === 'a' && delivery.afterSignal,
  )
  const retried = deliveries.filter((delivery) => delivery.answeredBy === 'b')
  t.ok(drained.length > 0, `A finished ${drained.length} requests after the signal`)
  t.ok(retried.length > 0, `${retried.length} callbacks were refused by A and retried at B`)

  // A callback that A applied but never answered would come back from B as a
  // duplicate: graceful shutdown means there are none.
  const logA = a.logLines()
  const appliedByA = new Set(
    logA
      .filter((line) => line.msg === 'callback processed' && !line.duplicate)
      .map((line) => line.sessionId),
  )
  const answeredByA = new Set(
    callbacks
      .filter((_, index) => deliveries[index]?.answeredBy === 'a')
      .map((callback) => callback.sessionId),
  )
  t.same(
    [...appliedByA].filter((sessionId) => !answeredByA.has(sessionId)),
    [],
    'A answered every callback it applied',
  )
  t.same(
    logA.map((line) => line.msg).filter((message) => /shut|stopp/.test(message)),
    // One 'stopped' per step (HTTP server, webhook worker, database); the worker logs its own stop too.
    [
      'shutting down',
      'stopped',
      'webhook worker stopped',
      'stopped',
      'stopped',
      'shutdown complete',
    ],
    'A logs its shutdown step by step',
  )

  const { rows } = await db.pool.query(
    `SELECT count(*)::int AS sessions,
            count(*) FILTER (WHERE s.status = 'started')::int AS started,
            (SELECT count(*)::int FROM "SessionEvent" WHERE type = 'callback_applied') AS applied,
            (SELECT count(*)::int FROM "SessionEvent" WHERE type = 'callback_duplicate') AS duplicates,
            (SELECT count(*)::int FROM "WebhookEvent") AS webhooks,
            (SELECT count(*)::int FROM "WebhookDelivery" WHERE status = 'pending') AS deliveries
       FROM "Session" s`,
  )
  t.same(rows[0], {
    sessions: CALLBACKS,
    started: CALLBACKS,
    applied: CALLBACKS,
    // A duplicate would be a retry of a callback that A applied without answering.
    duplicates: 0,
    webhooks: CALLBACKS,
    deliveries: CALLBACKS,
  })

  b.process.child.kill('SIGTERM')
  t.equal(await b.process.exited, 0)
})
