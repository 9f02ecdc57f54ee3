// SENCE's callbacks are unsigned browser POSTs: duplicates, forged or
// mismatched fields and stale tickets must change nothing, get a Spanish
// page, and be stored as events and logged.

import { randomBytes } from 'node:crypto'
import t from 'tap'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import {
  countEvents,
  logLinesWith,
  pendingIntent,
  postCallback,
  readSession,
  requestCloseThroughApi,
  simulatorAnswer,
  startSession,
} from '../helpers/sessions.ts'

/** Finds the last event of a type, across every session. */
async function lastEvent(gateway: TestGateway, type: string) {
  return gateway.db.prisma.sessionEvent.findFirstOrThrow({
    where: { type },
    orderBy: { createdAt: 'desc' },
  })
}

t.test('duplicate start callback', async (t) => {
  const gateway = await startTestGateway(t)
  const started = await startSession(gateway)
  const first = started.visit.callbackResponse
  const again = await postCallback(
    gateway,
    started.callbackForm.action,
    started.callbackForm.fields,
  )

  t.equal(again.statusCode, 303)
  t.equal(again.headers.location, first?.headers.location, 'same return URL and result')
  const session = await readSession(gateway, started.id)
  t.equal(session.status, 'started')
  t.same(
    session.events.map((event) => event.type),
    ['intent_created', 'launch_page_served', 'callback_applied', 'callback_duplicate'],
  )
  t.equal(session.events[3]?.detail, 'duplicate of the started callback')
  t.equal(session.webhookEvents.length, 1, 'one webhook')
  t.equal(
    logLinesWith(gateway, 'callback processed').filter((line) => line['duplicate'] === true).length,
    1,
    'logged',
  )
})

t.test('duplicate failed start repeats its codes', async (t) => {
  const gateway = await startTestGateway(t)
  const failed = await startSession(gateway, { outcome: '308' })
  const again = await postCallback(gateway, failed.callbackForm.action, failed.callbackForm.fields)
  const location = new URL(again.headers.location as string)
  t.equal(location.searchParams.get('result'), 'start_failed')
  t.equal(location.searchParams.get('error'), '308')
  t.equal((await readSession(gateway, failed.id)).webhookEvents.length, 1)
})

t.test('GlosaError decides the result', async (t) => {
  const gateway = await startTestGateway(t)

  await t.test('on UrlRetoma', async (t) => {
    const intent = await pendingIntent(gateway)
    const ok = await simulatorAnswer(gateway, intent.startUrl)
    const response = await postCallback(gateway, ok.action, { ...ok.fields, GlosaError: '301' })
    t.equal(new URL(response.headers.location as string).searchParams.get('result'), 'start_failed')
    t.same((await readSession(gateway, intent.id)).errorCodes, [301])
  })

  await t.test('with an IdSesionSence', async (t) => {
    const intent = await pendingIntent(gateway)
    const failed = await simulatorAnswer(gateway, intent.startUrl, '302')
    const response = await postCallback(gateway, failed.action, {
      ...failed.fields,
      IdSesionSence: '123456789012',
      GlosaError: '301;302',
    })
    const location = new URL(response.headers.location as string)
    t.equal(location.searchParams.get('result'), 'start_failed')
    t.equal(location.searchParams.get('error'), '301;302')
    const session = await readSession(gateway, intent.id)
    t.equal(session.idSesionSence, null, 'no IdSesionSence kept from a failure')
  })
})

t.test('mismatched fields change nothing', async (t) => {
  const gateway = await startTestGateway(t)
  const changes: [string, Record<string, string>][] = [
    ['RunAlumno', { RunAlumno: '10000013-K' }],
    ['CodSence', { CodSence: '9999999999' }],
    ['CodigoCurso', { CodigoCurso: 'OTRO-CURSO-1' }],
    ['LineaCapacitacion', { LineaCapacitacion: '1' }],
    ['IdSesionAlumno', { IdSesionAlumno: 'otra-sesion' }],
  ]

  for (const [field, change] of changes) {
    await t.test(field, async (t) => {
      const intent = await pendingIntent(gateway)
      const answer = await simulatorAnswer(gateway, intent.startUrl)
      const response = await postCallback(gateway, answer.action, { ...answer.fields, ...change })

      t.equal(response.statusCode, 409)
      t.match(response.body, 'No pudimos confirmar tu registro')
      const session = await readSession(gateway, intent.id)
      t.equal(session.status, 'pending', 'session untouched')
      t.equal(session.tickets[0]?.status, 'issued', 'ticket still usable')
      t.equal(session.webhookEvents.length, 0, 'no webhook')
      const mismatch = session.events.find((event) => event.type === 'callback_mismatch')
      t.equal(mismatch?.detail, `fields differ from the intent: ${field}`)
      t.match(mismatch?.fields, change, 'raw fields stored')

      const genuine = await postCallback(gateway, answer.action, answer.fields)
      t.equal(genuine.statusCode, 303, 'the genuine callback still applies')
      t.equal((await readSession(gateway, intent.id)).status, 'started')
    })
  }

  await t.test('missing field', async (t) => {
    const intent = await pendingIntent(gateway)
    const answer = await simulatorAnswer(gateway, intent.startUrl)
    const { CodigoCurso: _omitted, ...fields } = answer.fields
    const response = await postCallback(gateway, answer.action, fields)
    t.equal(response.statusCode, 409)
    t.equal(
      (await lastEvent(gateway, 'callback_mismatch')).detail,
      'fields differ from the intent: CodigoCurso',
    )
  })

  await t.test('repeated key with two values', async (t) => {
    const intent = await pendingIntent(gateway)
    const answer = await simulatorAnswer(gateway, intent.startUrl)
    const body = `${new URLSearchParams(answer.fields)}&RunAlumno=10000013-K`
    const response = await postCallback(gateway, answer.action, body)
    t.equal(response.statusCode, 409)
    t.equal((await readSession(gateway, intent.id)).status, 'pending')
  })

  await t.test('RUN written another way matches', async (t) => {
    const intent = await pendingIntent(gateway)
    const answer = await simulatorAnswer(gateway, intent.startUrl)
    const response = await postCallback(gateway, answer.action, {
      ...answer.fields,
      RunAlumno: '12.345.678-5',
    })
    t.equal(response.statusCode, 303)
  })

  t.equal(
    logLinesWith(gateway, 'callback rejected').filter((line) => line['reason'] === 'mismatch')
      .length,
    changes.length + 2,
    'every mismatch logged',
  )
})

t.test('close callback IdSesionSence', async (t) => {
  const gateway = await startTestGateway(t)
  const started = await startSession(gateway)
  const { idSesionSence } = await readSession(gateway, started.id)
  const closing = await requestCloseThroughApi(gateway, started.id)
  const answer = await simulatorAnswer(gateway, closing.json().closeUrl)
  t.notOk('IdSesionSence' in answer.fields, 'the close callback carries none')

  const other = await postCallback(gateway, answer.action, {
    ...answer.fields,
    IdSesionSence: '999999999999',
  })
  t.equal(other.statusCode, 409, 'a different IdSesionSence is a mismatch')
  t.equal(
    (await lastEvent(gateway, 'callback_mismatch')).detail,
    'fields differ from the intent: IdSesionSence',
  )
  t.equal((await readSession(gateway, started.id)).status, 'closing')

  const same = await postCallback(gateway, answer.action, {
    ...answer.fields,
    IdSesionSence: idSesionSence ?? '',
  })
  t.equal(same.statusCode, 303, "the start's IdSesionSence is accepted")
  t.equal((await readSession(gateway, started.id)).status, 'closed')
})

t.test('unknown tickets', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)
  const answer = await simulatorAnswer(gateway, intent.startUrl)
  const unknownTicket = randomBytes(16).toString('base64url')

  for (const ticket of [unknownTicket, 'abc', '%00%00', 'x'.repeat(100)]) {
    const response = await postCallback(gateway, `/cb/${ticket}/ok`, answer.fields)
    t.equal(response.statusCode, 404, ticket)
    t.match(response.body, 'Este enlace no es válido')
  }
  const rejected = await gateway.db.prisma.sessionEvent.findMany({
    where: { type: 'callback_rejected' },
  })
  t.equal(rejected.length, 4, 'each stored')
  t.ok(
    rejected.every((event) => event.sessionId === null && event.detail === 'unknown ticket'),
    'without a session, with the reason',
  )
  t.equal(logLinesWith(gateway, 'callback rejected').length, 4, 'each logged')
  t.notMatch(gateway.logText(), unknownTicket, 'the ticket is not logged')
  t.equal((await readSession(gateway, intent.id)).status, 'pending')
})

t.test('expired ticket', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)
  const answer = await simulatorAnswer(gateway, intent.startUrl)
  await gateway.db.prisma.ticket.updateMany({
    where: { sessionId: intent.id },
    data: { expiresAt: new Date(Date.now() - 1000) },
  })

  const response = await postCallback(gateway, answer.action, answer.fields)
  t.equal(response.statusCode, 410)
  t.match(response.body, 'Este enlace venció')
  t.match(response.body, 'https://lms.example.cl/sence/back', 'links back to the course')
  const session = await readSession(gateway, intent.id)
  t.equal(session.status, 'pending', 'left to the expiry sweep')
  t.equal(session.events.at(-1)?.detail, 'expired ticket')
  t.equal(session.webhookEvents.length, 0)
})

t.test('GET on a callback URL', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)
  const answer = await simulatorAnswer(gateway, intent.startUrl)

  const response = await gateway.app.inject({ method: 'GET', url: new URL(answer.action).pathname })
  t.equal(response.statusCode, 405)
  t.equal(response.headers['allow'], 'POST')
  t.match(response.body, 'Esta dirección es para SENCE')
  t.match(response.body, 'Volver al curso')
  const session = await readSession(gateway, intent.id)
  t.equal(session.status, 'pending')
  t.equal(session.tickets[0]?.status, 'issued', 'the ticket still works')
  t.equal(session.events.at(-1)?.type, 'callback_opened_directly')

  const unknown = await gateway.app.inject({ method: 'GET', url: '/cb/abc/ok' })
  t.equal(unknown.statusCode, 405)
  t.equal(await countEvents(gateway, 'callback_opened_directly'), 2)
  t.equal(logLinesWith(gateway, 'callback URL opened directly').length, 2)

  const applied = await postCallback(gateway, answer.action, answer.fields)
  t.equal(applied.statusCode, 303)
})

t.test('unreadable bodies', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)
  const answer = await simulatorAnswer(gateway, intent.startUrl)
  const path = new URL(answer.action).pathname

  const cases = [
    {
      name: 'body over the limit',
      status: 413,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `${new URLSearchParams(answer.fields)}&pad=${'x'.repeat(20_000)}`,
    },
    {
      name: 'JSON',
      status: 415,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(answer.fields),
    },
    {
      name: 'multipart',
      status: 415,
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      payload: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--\r\n',
    },
    {
      name: 'text without a content type',
      status: 415,
      headers: {},
      payload: 'RunAlumno=12345678-5',
    },
  ]
  for (const item of cases) {
    const response = await gateway.app.inject({
      method: 'POST',
      url: path,
      headers: item.headers,
      payload: item.payload,
    })
    t.equal(response.statusCode, item.status, item.name)
    t.match(response.body, 'No pudimos leer la respuesta', item.name)
  }

  const session = await readSession(gateway, intent.id)
  t.equal(session.status, 'pending', 'session untouched')
  const unreadable = session.events.filter((event) => event.type === 'callback_unreadable')
  t.equal(unreadable.length, cases.length, 'each stored against the session')
  t.match(unreadable[0]?.detail, /^413 FST_ERR_CTP_BODY_TOO_LARGE/)
  t.equal(logLinesWith(gateway, 'callback body rejected').length, cases.length, 'each logged')

  const applied = await postCallback(gateway, answer.action, answer.fields)
  t.equal(applied.statusCode, 303, 'the genuine callback still applies')
})

t.test('odd keys and values never fail', async (t) => {
  const gateway = await startTestGateway(t)

  const bodies: [string, (fields: Record<string, string>) => string, number][] = [
    [
      '__proto__ and constructor',
      (f) => `__proto__=x&constructor=y&${new URLSearchParams(f)}`,
      303,
    ],
    ['NUL in a key and a value', (f) => `a%00b=c%00d&${new URLSearchParams(f)}`, 303],
    ['NUL in a compared field', (f) => `${new URLSearchParams({ ...f, RunAlumno: '1%00' })}`, 409],
    ['lone surrogate', (f) => `x=%ED%A0%80&${new URLSearchParams(f)}`, 303],
    ['bad percent-encoding', (f) => `x=%E0%A4%A&y=%&${new URLSearchParams(f)}`, 303],
    ['empty and spaced names', (f) => `=1&%20=2&${new URLSearchParams(f)}`, 303],
    ['one key a thousand times', (f) => `${new URLSearchParams(f)}${'&k=v'.repeat(1000)}`, 303],
    ['nothing', () => '', 409],
  ]
  for (const [name, body, status] of bodies) {
    const intent = await pendingIntent(gateway)
    const answer = await simulatorAnswer(gateway, intent.startUrl)
    const response = await postCallback(gateway, answer.action, body(answer.fields))
    t.equal(response.statusCode, status, name)
    const session = await readSession(gateway, intent.id)
    t.equal(session.status, status === 303 ? 'started' : 'pending', `${name}: status`)
    t.ok(session.events.at(-1)?.fields !== null, `${name}: raw fields stored`)
  }

  const stored = await gateway.db.prisma.sessionEvent.findMany({
    where: { type: 'callback_applied' },
  })
  const keys = stored.flatMap((event) => Object.keys(event.fields as object))
  t.ok(keys.includes('[__proto__]'), '__proto__ kept, renamed')
  t.ok(keys.includes('a\uFFFDb'), 'NUL replaced in keys')
  t.equal(Object.getPrototypeOf({}).x, undefined, 'no prototype was polluted')
})

t.test('unknown callback endpoint', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = await pendingIntent(gateway)
  const answer = await simulatorAnswer(gateway, intent.startUrl)
  const response = await postCallback(
    gateway,
    answer.action.replace(/\/ok$/, '/otro'),
    answer.fields,
  )
  t.equal(response.statusCode, 404)
  const session = await readSession(gateway, intent.id)
  t.equal(session.status, 'pending')
  t.equal(session.events.at(-1)?.type, 'callback_rejected')
  t.match(session.events.at(-1)?.detail, 'unknown callback endpoint')
})

t.test('launch URL after the return', async (t) => {
  const gateway = await startTestGateway(t)
  const failed = await startSession(gateway, { outcome: '308' })

  const again = await gateway.app.inject({ method: 'GET', url: new URL(failed.startUrl).pathname })
  t.equal(again.statusCode, 410)
  t.match(again.body, 'Este enlace ya se usó')
  t.match(again.body, 'SENCE ya respondió a este intento de ingreso')
  t.match(
    again.body,
    /href="https:\/\/lms\.example\.cl\/sence\/back\?session=[^"]+result=start_failed&amp;error=308"/,
  )
  const session = await readSession(gateway, failed.id)
  t.equal(session.events.at(-1)?.type, 'launch_rejected')
  t.equal(session.events.at(-1)?.detail, 'used ticket')

  const unknown = await gateway.app.inject({ method: 'GET', url: '/go/abc' })
  t.equal(unknown.statusCode, 404)
  t.equal(await countEvents(gateway, 'launch_rejected'), 2)
  t.equal(logLinesWith(gateway, 'launch ticket rejected').length, 2)
})
