// What one ticket can make the database store: each event's values are cut
// to their limits, a ticket stores its first STORED_BROWSER_EVENTS_PER_TICKET
// requests that changed nothing and counts the rest, and GET
// /v1/sessions/{id} returns at most SESSION_EVENTS_MAX events and marks the cut.

import t from 'tap'
import { SESSION_EVENTS_MAX } from '../../src/http/routes/api/sessions.ts'
import {
  KEYS_NOT_STORED_KEY,
  STORED_DETAIL_MAX_LENGTH,
  STORED_KEYS_MAX,
  STORED_VALUE_MAX_LENGTH,
} from '../../src/sessions/event-value-limits.ts'
import { STORED_BROWSER_EVENTS_PER_TICKET } from '../../src/sessions/session-events.ts'
import { createStaff, signedInClient } from '../helpers/admin.ts'
import { gatewayPath } from '../helpers/browser-flow.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { readSession, startSession } from '../helpers/sessions.ts'

const UNLIMITED = { environment: { RATE_LIMIT_BROWSER_PER_IP_PER_MINUTE: '100000' } }

function post(gateway: TestGateway, action: string, body: string, headers = {}) {
  return gateway.app.inject({
    method: 'POST',
    url: gatewayPath(action),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: body,
  })
}

function readThroughApi(gateway: TestGateway, sessionId: string) {
  return gateway.app.inject({
    method: 'GET',
    url: `/v1/sessions/${sessionId}`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
  })
}

t.test('stored values are cut', async (t) => {
  const gateway = await startTestGateway(t)
  const started = await startSession(gateway)
  const form = new URLSearchParams(started.callbackForm.fields)
  form.append('pad', 'x'.repeat(5000))
  for (let i = 0; i < 40; i += 1) form.append(`extra${i}`, 'y')
  for (let i = 0; i < 30; i += 1) form.append('repeated', String(i))

  const response = await post(gateway, started.callbackForm.action, form.toString())
  t.equal(response.statusCode, 303, 'a duplicate of the applied callback')

  const session = await readSession(gateway, started.id)
  const duplicate = session.events.at(-1)
  t.equal(duplicate?.type, 'callback_duplicate')
  const fields = duplicate?.fields as Record<string, unknown>
  const keys = Object.keys(fields)
  t.equal(keys.length, STORED_KEYS_MAX + 1, 'the first keys, and the count of the others')
  t.equal(
    fields[KEYS_NOT_STORED_KEY],
    new Set(form.keys()).size - STORED_KEYS_MAX,
    'keys left out are counted',
  )
  t.equal(fields['FechaHora'], started.callbackForm.fields['FechaHora'], 'SENCE fields intact')
  t.match(fields['pad'], /^x{256}…\[4744 more characters not stored\]$/, 'long value cut')
  t.ok((fields['pad'] as string).length < STORED_VALUE_MAX_LENGTH + 50, 'the cut value is short')
})

t.test('repeated key is cut', async (t) => {
  const gateway = await startTestGateway(t)
  const started = await startSession(gateway)
  const form = new URLSearchParams(started.callbackForm.fields)
  for (let i = 0; i < 30; i += 1) form.append('repeated', String(i))
  await post(gateway, started.callbackForm.action, form.toString())

  const session = await readSession(gateway, started.id)
  const fields = session.events.at(-1)?.fields as Record<string, unknown>
  t.same(fields['repeated'], [
    '0',
    '1',
    '2',
    '3',
    '4',
    '5',
    '6',
    '7',
    '8',
    '9',
    '[20 more values not stored]',
  ])
})

t.test('long detail is cut', async (t) => {
  const gateway = await startTestGateway(t)
  const started = await startSession(gateway)
  const origin = `https://${'a'.repeat(5000)}.example`
  const response = await post(
    gateway,
    started.callbackForm.action,
    new URLSearchParams(started.callbackForm.fields).toString(),
    { origin },
  )
  t.equal(response.statusCode, 403)
  const session = await readSession(gateway, started.id)
  const event = session.events.at(-1)
  t.equal(event?.type, 'callback_rejected')
  t.ok((event?.detail?.length ?? 0) < STORED_DETAIL_MAX_LENGTH + 50, 'detail cut')
  t.match(event?.detail, /more characters not stored\]$/, 'and says so')
  const request = event?.request as Record<string, string>
  t.ok((request['origin']?.length ?? 0) < STORED_VALUE_MAX_LENGTH + 50, 'stored origin cut')
})

t.test('repeats beyond the limit are counted', async (t) => {
  const gateway = await startTestGateway(t, UNLIMITED)
  const started = await startSession(gateway)
  const body = new URLSearchParams(started.callbackForm.fields).toString()
  const repeats = 30
  for (let i = 0; i < repeats; i += 1) await post(gateway, started.callbackForm.action, body)

  // The launch page counts too, so the ticket stores one duplicate less.
  const storedDuplicates = STORED_BROWSER_EVENTS_PER_TICKET - 1
  const session = await readSession(gateway, started.id)
  const duplicates = session.events.filter((event) => event.type === 'callback_duplicate')
  t.equal(duplicates.length, storedDuplicates, 'duplicates stored up to the limit')
  t.equal(session.tickets[0]?.browserEventCount, repeats + 1, 'every request counted')

  const read = await readThroughApi(gateway, started.id)
  t.equal(read.statusCode, 200)
  const body200 = read.json()
  t.equal(body200.eventsNotStored, repeats - storedDuplicates, 'the API shows the rest')
  t.equal(body200.eventCount, session.events.length)
  t.equal(body200.eventsTruncated, false)

  const again = await post(gateway, started.callbackForm.action, body)
  t.equal(again.statusCode, 303, 'a repeat beyond the limit still gets its redirect')
  t.equal(again.headers.location, started.visit.callbackResponse?.headers.location)

  const staff = await createStaff(gateway)
  const client = await signedInClient(gateway, staff.email)
  const page = await client.get(`/admin/sessions/${started.id}`)
  t.equal(page.statusCode, 200)
  t.match(
    page.body,
    `Además llegaron ${repeats + 1 - storedDuplicates} solicitudes repetidas`,
    'the admin page shows the count',
  )
})

t.test('concurrent repeats keep the limit', async (t) => {
  const gateway = await startTestGateway(t, UNLIMITED)
  const started = await startSession(gateway)
  const body = new URLSearchParams(started.callbackForm.fields).toString()
  const ticket = gatewayPath(started.startUrl)
  const requests = [
    ...Array.from({ length: 20 }, () => post(gateway, started.callbackForm.action, body)),
    ...Array.from({ length: 20 }, () => gateway.app.inject({ method: 'GET', url: ticket })),
  ]
  await Promise.all(requests)

  const session = await readSession(gateway, started.id)
  const browserEvents = session.events.filter((event) =>
    ['launch_page_served', 'launch_rejected', 'callback_duplicate'].includes(event.type),
  )
  t.equal(browserEvents.length, STORED_BROWSER_EVENTS_PER_TICKET, 'stored exactly the limit')
  t.equal(session.tickets[0]?.browserEventCount, 41, 'the launch and every request counted')
})

t.test('GET returns the latest events', async (t) => {
  const gateway = await startTestGateway(t)
  const started = await startSession(gateway)
  const extra = SESSION_EVENTS_MAX + 20
  const base = Date.now()
  await gateway.db.prisma.sessionEvent.createMany({
    data: Array.from({ length: extra }, (_, i) => ({
      sessionId: started.id,
      type: 'callback_rejected',
      detail: `filler ${i}`,
      createdAt: new Date(base + 1000 + i),
    })),
  })

  const read = await readThroughApi(gateway, started.id)
  t.equal(read.statusCode, 200)
  const body = read.json()
  t.equal(body.events.length, SESSION_EVENTS_MAX, 'at most SESSION_EVENTS_MAX events')
  t.equal(body.eventCount, extra + 3, 'the intent, the launch, the callback and the fillers')
  t.equal(body.eventsTruncated, true, 'the response says it was cut')
  t.equal(body.events.at(-1)?.detail, `filler ${extra - 1}`, 'the newest event is last')
  t.equal(body.events[0]?.detail, `filler ${extra - SESSION_EVENTS_MAX}`, 'the oldest kept first')
})
