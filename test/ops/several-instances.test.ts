import t from 'tap'
import { mapWithLimit, postCallback, prepareCallback, startCluster, testRun } from './cluster.ts'

const SESSIONS = 60

t.test('two serve processes share one database', async (t) => {
  const { db, apiKey, instances } = await startCluster(t, ['a', 'b'])
  const [a, b] = instances as [(typeof instances)[0], (typeof instances)[0]]

  // Intents are created on both instances, alternately.
  const callbacks = await mapWithLimit(
    Array.from({ length: SESSIONS }, (_, n) => n),
    10,
    (n) => prepareCallback(n % 2 === 0 ? a : b, apiKey, testRun(n)),
  )

  // Each callback is posted to both instances at once, as a double-submitting
  // browser behind a load balancer would.
  const answers = await mapWithLimit(callbacks, 10, async (callback) => {
    const responses = await Promise.all([postCallback(a, callback), postCallback(b, callback)])
    return responses.map((response) => ({
      status: response.status,
      location: response.headers.get('location'),
    }))
  })

  for (const [index, pair] of answers.entries()) {
    const sessionId = callbacks[index]?.sessionId
    t.same(
      pair.map((answer) => answer.status),
      [303, 303],
      `both instances redirect for ${sessionId}`,
    )
    t.equal(pair[0]?.location, pair[1]?.location, 'with the same Location')
    t.match(pair[0]?.location, /result=started/)
  }

  const { rows: sessions } = await db.pool.query(
    `SELECT s.status,
            count(*) FILTER (WHERE e.type = 'callback_applied')::int AS applied,
            count(*) FILTER (WHERE e.type = 'callback_duplicate')::int AS duplicates,
            (SELECT count(*)::int FROM "WebhookEvent" w WHERE w."sessionId" = s.id) AS webhooks,
            (SELECT count(*)::int FROM "WebhookDelivery" d JOIN "WebhookEvent" w ON w.id = d."eventId"
              WHERE w."sessionId" = s.id) AS deliveries
       FROM "Session" s LEFT JOIN "SessionEvent" e ON e."sessionId" = s.id
      GROUP BY s.id`,
  )
  t.equal(sessions.length, SESSIONS)
  t.same(
    sessions.filter(
      (row) =>
        row.status !== 'started' ||
        row.applied !== 1 ||
        row.duplicates !== 1 ||
        row.webhooks !== 1 ||
        row.deliveries !== 1,
    ),
    [],
    'every session started once, with one duplicate, one webhook event and one delivery',
  )

  const processed = (name: string, lines: Record<string, any>[]) => {
    const applied = lines.filter((line) => line.msg === 'callback processed' && !line.duplicate)
    t.ok(applied.length > 0, `instance ${name} applied some callbacks`)
    return applied.length
  }
  t.equal(
    processed('a', a.logLines()) + processed('b', b.logLines()),
    SESSIONS,
    'the two instances applied each callback once between them',
  )

  for (const instance of [a, b]) {
    instance.process.child.kill('SIGTERM')
    t.equal(await instance.process.exited, 0, `instance ${instance.name} stops cleanly`)
  }
})
