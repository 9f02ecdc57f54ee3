// Anyone who holds a ticket (the student, or anything that saw the start
// URL) can repeat its callback. Each repeat is stored as an event with the
// whole form, up to the 16 KiB body limit, and GET /v1/sessions/{id}
// returns every event. Without a bound on what a repeat stores, one
// student can grow the session's record, and the LMS's read of it, by
// megabytes a minute.

import t from 'tap'
import { gatewayPath } from '../helpers/browser-flow.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { startSession } from '../helpers/sessions.ts'

const REPEATS = 200
/** Stored bytes allowed per repeat: SENCE's callback has 8 short fields, well under 2 KiB. */
const STORED_BYTES_PER_REPEAT = 2048

t.test('padded duplicate callbacks', async (t) => {
  const gateway = await startTestGateway(t, {
    environment: { RATE_LIMIT_BROWSER_PER_IP_PER_MINUTE: '10000' },
  })
  const started = await startSession(gateway)
  const padded = new URLSearchParams({
    ...started.callbackForm.fields,
    pad: 'x'.repeat(15 * 1024),
  }).toString()
  for (let i = 0; i < REPEATS; i += 1) {
    const response = await gateway.app.inject({
      method: 'POST',
      url: gatewayPath(started.callbackForm.action),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: padded,
    })
    if (response.statusCode !== 303) t.fail(`repeat ${i} answered ${response.statusCode}`)
  }

  const read = await gateway.app.inject({
    method: 'GET',
    url: `/v1/sessions/${started.id}`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
  })
  t.equal(read.statusCode, 200)
  t.ok(
    read.body.length < REPEATS * STORED_BYTES_PER_REPEAT,
    `the session's record is ${read.body.length} bytes after ${REPEATS} repeats`,
  )
})
