// The session widget over inject: its token, its page in every session
// status, the alert, framing, renewal and the logout button.

import { parse } from 'node-html-parser'
import t from 'tap'
import { issueWidgetToken, openWidgetToken } from '../../src/widget/widget-token.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { buildAdminWorld } from '../helpers/admin.ts'
import { startSession, readSession } from '../helpers/sessions.ts'
import { FAST_WEBHOOK_SETTINGS } from '../helpers/webhook-worker.ts'

async function widgetToken(
  gateway: TestGateway,
  sessionId: string,
  body?: unknown,
  apiKey = gateway.otec.apiKey,
) {
  return gateway.app.inject({
    method: 'POST',
    url: `/v1/sessions/${sessionId}/widget-token`,
    headers: { authorization: `Bearer ${apiKey}` },
    ...(body === undefined ? {} : { payload: body as object }),
  })
}

/** Posts the widget's logout form, as its button does. */
function pressLogout(gateway: TestGateway, token: string) {
  return gateway.app.inject({
    method: 'POST',
    url: '/widget/close',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token }).toString(),
  })
}

const mainText = (html: string) =>
  parse(html).querySelector('main, [data-widget]')?.textContent.replace(/\s+/g, ' ').trim() ?? ''

t.test('the API issues widget tokens', async (t) => {
  const gateway = await startTestGateway(t)
  const session = await startSession(gateway)

  const issued = await widgetToken(gateway, session.id)
  t.equal(issued.statusCode, 201)
  const body = issued.json()
  t.match(body.token, /^wt_v1\.test\.[A-Za-z0-9_-]+$/)
  t.equal(body.widgetUrl, `http://gateway.test/widget/session?token=${body.token}`)
  t.equal(body.scriptUrl, 'http://gateway.test/assets/session-widget.js')
  const lifetime = new Date(body.expiresAt).getTime() - Date.now()
  t.ok(lifetime > 890_000 && lifetime <= 900_000, 'fifteen minutes by default')
  t.notMatch(body.token, gateway.otec.apiKey)

  const short = await widgetToken(gateway, session.id, { ttlSeconds: 60 })
  t.ok(new Date(short.json().expiresAt).getTime() - Date.now() <= 60_000)
  t.equal((await widgetToken(gateway, session.id, { ttlSeconds: 59 })).statusCode, 400)
  t.equal((await widgetToken(gateway, session.id, { ttlSeconds: 3601 })).statusCode, 400)
  t.equal((await widgetToken(gateway, session.id, { returnUrl: 'x' })).statusCode, 400)

  const unauthenticated = await gateway.app.inject({
    method: 'POST',
    url: `/v1/sessions/${session.id}/widget-token`,
  })
  t.equal(unauthenticated.statusCode, 401)
  const other = await gateway.createOtec()
  t.equal((await widgetToken(gateway, session.id, undefined, other.apiKey)).statusCode, 404)
  t.equal((await widgetToken(gateway, 'nope')).statusCode, 404)
})

t.test('tokens cannot be forged, moved or stretched', async (t) => {
  const gateway = await startTestGateway(t)
  const { secrets } = gateway
  const sessionId = '3b1f1a2e-5c4d-4e6f-8a9b-0c1d2e3f4a5b'
  const now = new Date('2026-12-04T12:00:00Z')
  const { token } = issueWidgetToken(secrets, sessionId, 900, now)

  const opened = openWidgetToken(secrets, token, new Date(now.getTime() + 899_000))
  t.same(opened, {
    ok: true,
    grant: { sessionId, lifetimeSeconds: 900, expiresAt: new Date(now.getTime() + 900_000) },
  })
  t.same(openWidgetToken(secrets, token, new Date(now.getTime() + 900_000)), {
    ok: false,
    reason: 'expired',
  })

  const last = token.at(-2) === 'A' ? 'B' : 'A'
  const tampered = `${token.slice(0, -2)}${last}${token.at(-1)}`
  t.same(
    openWidgetToken(secrets, tampered, now),
    { ok: false, reason: 'malformed' },
    'one character changed',
  )
  const sealedToken = `wt_${secrets.seal('12345678-1234-1234-1234-123456789').replaceAll(':', '.')}`
  t.same(
    openWidgetToken(secrets, sealedToken, now),
    { ok: false, reason: 'malformed' },
    'another sealed value',
  )
  const otherPurpose = `wt_${secrets.seal(JSON.stringify({ purpose: 'other', sessionId, lifetimeSeconds: 900, expiresAt: 2e9 })).replaceAll(':', '.')}`
  t.same(openWidgetToken(secrets, otherPurpose, now), { ok: false, reason: 'malformed' })
  for (const value of ['', 'wt_', 'sk_test_abc', `wt_${'a'.repeat(2000)}`])
    t.same(
      openWidgetToken(secrets, value, now),
      { ok: false, reason: 'malformed' },
      JSON.stringify(value.slice(0, 12)),
    )
})

t.test('the widget page in every status', async (t) => {
  const gateway = await startTestGateway(t, { environment: FAST_WEBHOOK_SETTINGS })
  const world = await buildAdminWorld(t, gateway)
  const expected = {
    pending: { title: 'Tu ingreso a SENCE no se ha confirmado', button: null, timer: false },
    started: {
      title: 'Tu sesión SENCE está abierta',
      button: 'Cerrar sesión en SENCE',
      timer: true,
    },
    closing: { title: 'Cierre de sesión en curso', button: 'Cerrar sesión en SENCE', timer: true },
    close_failed: {
      title: 'SENCE no registró el cierre',
      button: 'Intentar cerrar de nuevo',
      timer: true,
    },
    closed: { title: 'Tu sesión SENCE quedó cerrada', button: null, timer: false },
    start_failed: { title: 'SENCE no registró tu ingreso', button: null, timer: false },
    expired: { title: 'Tu ingreso a SENCE no se completó', button: null, timer: false },
  }
  for (const [status, page] of Object.entries(expected)) {
    const sessionId = world.sessions[status as keyof typeof expected]
    const { token } = (await widgetToken(gateway, sessionId)).json()
    const response = await gateway.app.inject({ url: `/widget/session?token=${token}` })
    t.equal(response.statusCode, 200, status)
    const document = parse(response.body)
    t.equal(document.querySelector('h1')?.textContent, page.title, `${status}: title`)
    t.equal(document.querySelector('button')?.textContent ?? null, page.button, `${status}: button`)
    t.equal(Boolean(document.querySelector('[role="timer"]')), page.timer, `${status}: timer`)
    t.equal(document.querySelector('[data-widget]')?.getAttribute('data-status'), status)
    t.equal(response.headers['cache-control'], 'no-store')
  }

  const failedClose = await gateway.app.inject({
    url: `/widget/session?token=${(await widgetToken(gateway, world.sessions.close_failed)).json().token}`,
  })
  t.match(
    mainText(failedClose.body),
    /SENCE tuvo un error interno/,
    'the error table’s message for 300',
  )
  const closed = await gateway.app.inject({
    url: `/widget/session?token=${(await widgetToken(gateway, world.sessions.closed)).json().token}`,
  })
  t.match(mainText(closed.body), /SENCE registró el cierre a las \d\d:\d\d\. Duró 0 min\./)
})

t.test('the timer and the alert before the allotted time ends', async (t) => {
  const gateway = await startTestGateway(t)
  const session = await startSession(gateway)
  const { prisma } = gateway.db
  const render = async () => {
    const { token } = (await widgetToken(gateway, session.id)).json()
    return parse((await gateway.app.inject({ url: `/widget/session?token=${token}` })).body)
  }
  const startAt = async (minutesAgo: number) =>
    prisma.session.update({
      where: { id: session.id },
      data: { startedAt: new Date(Date.now() - minutesAgo * 60_000), maxDurationMinutes: 180 },
    })

  await startAt(65.5)
  let page = await render()
  t.match(page.querySelector('#elapsed')?.textContent, /^1:05:(29|30|31)$/)
  t.equal(page.querySelector('#session-alert')?.textContent.trim(), '', 'no alert yet')
  const root = page.querySelector('[data-widget]')
  const startedAt = new Date(root?.getAttribute('data-started-at') as string).getTime()
  t.equal(
    new Date(root?.getAttribute('data-alert-at') as string).getTime() - startedAt,
    170 * 60_000,
  )
  t.equal(
    new Date(root?.getAttribute('data-ends-at') as string).getTime() - startedAt,
    180 * 60_000,
  )
  t.match(root?.getAttribute('data-alert-text'), /^Quedan 10 minutos/)
  t.match(
    page.querySelector('[data-widget]')?.textContent,
    /tiempo asignado es de 3 h 00 min, hasta las \d\d:\d\d \(hora de Chile\)/,
  )

  await startAt(171)
  page = await render()
  t.match(
    page.querySelector('#session-alert')?.textContent,
    /^Quedan 10 minutos del tiempo asignado/,
    'shown without the script',
  )
  await startAt(181)
  page = await render()
  t.match(page.querySelector('#session-alert')?.textContent, /^Se cumplió el tiempo asignado/)
})

t.test('only the OTEC’s return origins may frame the widget', async (t) => {
  const gateway = await startTestGateway(t, {
    otec: { returnOrigins: ['https://lms.example.cl', 'https://aula.example.cl:8443'] },
  })
  const session = await startSession(gateway)
  const { token } = (await widgetToken(gateway, session.id)).json()
  const page = await gateway.app.inject({ url: `/widget/session?token=${token}` })
  const csp = String(page.headers['content-security-policy'])
  t.match(
    csp,
    /(^|;)frame-ancestors https:\/\/lms\.example\.cl https:\/\/aula\.example\.cl:8443(;|$)/,
  )
  t.match(csp, /(^|;)script-src 'self'(;|$)/, 'its script is a file of the gateway')
  t.equal(csp.match(/frame-ancestors/g)?.length, 1)
  t.equal(
    page.headers['x-frame-options'],
    undefined,
    'no X-Frame-Options, which would forbid framing',
  )

  await gateway.db.prisma.otec.update({
    where: { id: gateway.otec.id },
    data: { returnOrigins: [] },
  })
  const none = await gateway.app.inject({ url: `/widget/session?token=${token}` })
  t.match(String(none.headers['content-security-policy']), /frame-ancestors 'none'/)

  const other = await gateway.app.inject({ url: '/admin/sign-in' })
  t.equal(other.headers['x-frame-options'], 'SAMEORIGIN', 'other pages still refuse framing')
  t.match(String(other.headers['content-security-policy']), /frame-ancestors 'none'/)
})

t.test('rejected tokens', async (t) => {
  const gateway = await startTestGateway(t)
  const session = await startSession(gateway)
  const { secrets } = gateway
  const expired = issueWidgetToken(secrets, session.id, 60, new Date(Date.now() - 61_000)).token
  const page = await gateway.app.inject({ url: `/widget/session?token=${expired}` })
  t.equal(page.statusCode, 410)
  t.match(mainText(page.body), /Este contador venció/)
  t.notOk(parse(page.body).querySelector('form'), 'no logout button')
  const malformed = await gateway.app.inject({ url: '/widget/session?token=wt_nonsense' })
  t.equal(malformed.statusCode, 404)
  const missing = await gateway.app.inject({ url: '/widget/session' })
  t.equal(missing.statusCode, 400)
  t.match(mainText(missing.body), /Este contador no es válido/)
  const deleted = issueWidgetToken(secrets, '3b1f1a2e-5c4d-4e6f-8a9b-0c1d2e3f4a5b').token
  t.equal((await gateway.app.inject({ url: `/widget/session?token=${deleted}` })).statusCode, 404)
  const state = await gateway.app.inject({ url: `/widget/state?token=${expired}` })
  t.equal(state.statusCode, 410)
  t.same(state.json(), { error: 'expired' })
  t.notMatch(gateway.logText(), expired, 'tokens stay out of the log')
})

t.test('renewal while the session is open', async (t) => {
  const gateway = await startTestGateway(t)
  const session = await startSession(gateway)
  const { token } = (await widgetToken(gateway, session.id, { ttlSeconds: 120 })).json()
  const state = await gateway.app.inject({ url: `/widget/state?token=${token}` })
  t.equal(state.statusCode, 200)
  const renewed = state.json()
  t.equal(renewed.status, 'started')
  t.equal(renewed.canClose, true)
  t.not(renewed.token, token, 'a new token')
  const opened = openWidgetToken(gateway.secrets, renewed.token)
  t.ok(opened.ok && opened.grant.lifetimeSeconds === 120, 'with the lifetime the LMS asked for')

  await gateway.db.prisma.$transaction([
    gateway.db.prisma.session.update({ where: { id: session.id }, data: { status: 'closing' } }),
    gateway.db.prisma.sessionEvent.create({
      data: {
        sessionId: session.id,
        type: 'close_requested',
        fromStatus: 'started',
        toStatus: 'closing',
      },
    }),
    gateway.db.prisma.session.update({
      where: { id: session.id },
      data: { status: 'closed', closedAt: new Date() },
    }),
    gateway.db.prisma.sessionEvent.create({
      data: {
        sessionId: session.id,
        type: 'callback_applied',
        fromStatus: 'closing',
        toStatus: 'closed',
      },
    }),
  ])
  const final = (await gateway.app.inject({ url: `/widget/state?token=${renewed.token}` })).json()
  t.equal(final.status, 'closed')
  t.equal(final.canClose, false)
  t.equal(final.token, renewed.token, 'no renewal once the session is closed')
})

t.test('the logout button', async (t) => {
  const gateway = await startTestGateway(t)
  const session = await startSession(gateway)
  const { token } = (await widgetToken(gateway, session.id)).json()
  const page = await gateway.app.inject({ url: `/widget/session?token=${token}` })
  const form = parse(page.body).querySelector('form')
  t.equal(form?.getAttribute('action'), '/widget/close')
  t.equal(form?.getAttribute('method'), 'post')
  t.equal(form?.getAttribute('target'), '_top', 'the whole window goes to SENCE')

  const close = await pressLogout(gateway, token)
  t.equal(close.statusCode, 303)
  t.match(close.headers.location, /^http:\/\/gateway\.test\/go\/[A-Za-z0-9_-]{22}$/)
  const closing = await readSession(gateway, session.id)
  t.equal(closing.status, 'closing')
  t.equal(closing.events.at(-1)?.type, 'close_requested')
  const launch = await gateway.app.inject({
    url: new URL(close.headers.location as string).pathname,
  })
  t.match(launch.body, /Vamos a SENCE para cerrar tu sesión/)

  await gateway.db.prisma.$transaction([
    gateway.db.prisma.session.update({
      where: { id: session.id },
      data: { status: 'closed', closedAt: new Date() },
    }),
    gateway.db.prisma.sessionEvent.create({
      data: {
        sessionId: session.id,
        type: 'callback_applied',
        fromStatus: 'closing',
        toStatus: 'closed',
      },
    }),
  ])
  const again = await pressLogout(gateway, token)
  t.equal(again.statusCode, 409)
  t.match(mainText(again.body), /Tu sesión ya no está abierta en SENCE/)
  t.equal(
    parse(again.body).querySelector('a.button')?.getAttribute('href'),
    'https://lms.example.cl/',
  )
  const forged = await pressLogout(gateway, 'wt_forged')
  t.equal(forged.statusCode, 404)
})
