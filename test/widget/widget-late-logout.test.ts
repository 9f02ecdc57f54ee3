// The logout button of a widget page whose token has expired. It still
// starts the logout while the session is open, up to LATE_LOGOUT_MINUTES
// after the allotted time ends. Every page it shows otherwise is in
// Spanish and leads back to the course.

import { parse } from 'node-html-parser'
import t from 'tap'
import { LATE_LOGOUT_MINUTES } from '../../src/widget/widget-state.ts'
import { issueWidgetToken } from '../../src/widget/widget-token.ts'
import { advanceClock } from '../helpers/clock.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { readSession, startSession } from '../helpers/sessions.ts'

async function widgetToken(gateway: TestGateway, sessionId: string) {
  const response = await gateway.app.inject({
    method: 'POST',
    url: `/v1/sessions/${sessionId}/widget-token`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
    payload: {},
  })
  return response.json() as { token: string; expiresAt: string }
}

function pressLogout(gateway: TestGateway, body: Record<string, string>) {
  return gateway.app.inject({
    method: 'POST',
    url: '/widget/close',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(body).toString(),
  })
}

const mainText = (html: string) =>
  parse(html).querySelector('main')?.textContent.replace(/\s+/g, ' ').trim() ?? ''
const linkOf = (html: string) => parse(html).querySelector('main a')?.getAttribute('href')

t.test('logout after the late-logout window', async (t) => {
  const gateway = await startTestGateway(t)
  const session = await startSession(gateway)
  const { token } = await widgetToken(gateway, session.id)
  const { maxDurationMinutes } = await readSession(gateway, session.id)

  advanceClock(t, (maxDurationMinutes + LATE_LOGOUT_MINUTES + 1) * 60_000)
  const close = await pressLogout(gateway, { token })
  t.equal(close.statusCode, 410, 'the button is rejected')
  t.match(mainText(close.body), /El botón de cierre venció/, 'the page says why, in Spanish')
  t.match(
    mainText(close.body),
    /Tu sesión sigue abierta en SENCE/,
    'the page says the session is open',
  )
  t.equal(linkOf(close.body), 'https://lms.example.cl/', 'the page links back to the LMS')
  t.match(mainText(close.body), session.id, 'the page gives the session id as a reference')
  t.equal((await readSession(gateway, session.id)).status, 'started', 'no close was requested')

  const state = await gateway.app.inject({ url: `/widget/state?token=${token}` })
  t.equal(state.statusCode, 410, 'the script gets no renewal either')
  t.notMatch(gateway.logText(), token, 'tokens stay out of the log')
})

t.test('expired token of a closed session', async (t) => {
  const gateway = await startTestGateway(t)
  const session = await startSession(gateway)
  const { token } = await widgetToken(gateway, session.id)
  t.equal(
    (await pressLogout(gateway, { token })).statusCode,
    303,
    'the first press starts the close',
  )
  // SENCE's callback, written directly: the session and its event.
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

  advanceClock(t, 20 * 60_000)
  const again = await pressLogout(gateway, { token })
  t.equal(again.statusCode, 409, 'a closed session has nothing to close')
  t.match(mainText(again.body), /Tu sesión ya no está abierta en SENCE/, 'the page says so')
  t.equal(linkOf(again.body), 'https://lms.example.cl/', 'the page links back to the LMS')
})

t.test('expired token issued before the start', async (t) => {
  const gateway = await startTestGateway(t)
  const session = await startSession(gateway)
  const early = issueWidgetToken(gateway.secrets, session.id, 60, new Date(Date.now() - 120_000))

  const close = await pressLogout(gateway, { token: early.token })
  t.equal(close.statusCode, 410, 'a token older than the session is not accepted once expired')
  t.equal(linkOf(close.body), 'https://lms.example.cl/', 'the page links back to the LMS')
  t.equal((await readSession(gateway, session.id)).status, 'started', 'no close was requested')
})

t.test('logout without a usable token', async (t) => {
  const gateway = await startTestGateway(t)

  const forged = await pressLogout(gateway, { token: 'wt_forged' })
  t.equal(forged.statusCode, 404, 'a forged token is not found')
  t.match(mainText(forged.body), /El botón de cierre no es válido/, 'the page says why')
  t.match(mainText(forged.body), /botón Atrás del navegador/, 'the page says how to go back')

  const missing = await pressLogout(gateway, {})
  t.equal(missing.statusCode, 400, 'a form without a token is a bad request')
  t.match(
    mainText(missing.body),
    /No pudimos iniciar el cierre de tu sesión/,
    'the page is Spanish',
  )
  t.match(mainText(missing.body), /botón Atrás del navegador/, 'the page says how to go back')
})

t.test('widget page gives the token expiry', async (t) => {
  const gateway = await startTestGateway(t)
  const session = await startSession(gateway)
  const { token, expiresAt } = await widgetToken(gateway, session.id)
  const page = await gateway.app.inject({ url: `/widget/session?token=${token}` })
  const root = parse(page.body).querySelector('[data-widget]')
  t.equal(root?.getAttribute('data-token-expires-at'), expiresAt, 'the script can time its renewal')
})
