// The widget's logout button must still work when the student presses it
// long after the LMS rendered the course page. That is when the session
// has to be closed, and SENCE rejects closes of sessions open for more than
// about three hours. The token in the page lives `ttlSeconds` (900 by
// default, 60 at least), and only the widget's script renews it, once a
// minute. So:
//
// - Without JavaScript, which the widget's documentation promises to
//   support ("a button that works"), the button posts an expired token
//   once ttlSeconds have passed. The form's target is the whole window,
//   so the LMS's page is replaced by "Este contador venció", which offers
//   no way back to the course, and the session stays open in SENCE.
// - With JavaScript and the smallest lifetime the API accepts (60 s), the
//   script's first renewal comes 60 s after the page loaded. The token has
//   expired by then, so the script never renews it.
//
// The clock of this process is moved forward to stand for the student's
// time on the page.

import { parse } from 'node-html-parser'
import t, { type Test } from 'tap'
import { advanceClock } from '../helpers/clock.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { startSession } from '../helpers/sessions.ts'

/** The renewal interval of src/pages/static/widget.js. */
const SCRIPT_RENEWAL_MS = 60_000

async function widgetToken(gateway: TestGateway, sessionId: string, ttlSeconds?: number) {
  const response = await gateway.app.inject({
    method: 'POST',
    url: `/v1/sessions/${sessionId}/widget-token`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
    payload: ttlSeconds === undefined ? {} : { ttlSeconds },
  })
  return response.json().token as string
}

/** Returns the token that the widget page's logout form posts. */
async function formTokenOfPage(gateway: TestGateway, token: string): Promise<string> {
  const page = await gateway.app.inject({ url: `/widget/session?token=${token}` })
  const field = parse(page.body).querySelector('form input[name="token"]')
  return field?.getAttribute('value') ?? ''
}

t.test('logout pressed after the token lifetime', async (t) => {
  const gateway = await startTestGateway(t)
  const session = await startSession(gateway)
  const formToken = await formTokenOfPage(gateway, await widgetToken(gateway, session.id))
  t.not(formToken, '', 'the page has a logout form')

  // Twenty minutes on the course page, without JavaScript.
  advanceClock(t, 20 * 60_000)
  const close = await gateway.app.inject({
    method: 'POST',
    url: '/widget/close',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token: formToken }).toString(),
  })
  t.equal(close.statusCode, 303, 'the button still starts the logout')
  t.match(close.headers.location, /\/go\//, 'the window goes to SENCE')
})

t.test('first renewal with the shortest lifetime', async (t) => {
  const gateway = await startTestGateway(t)
  const session = await startSession(gateway)
  const token = await widgetToken(gateway, session.id, 60)
  const formToken = await formTokenOfPage(gateway, token)
  t.not(formToken, '', 'the page has a logout form')

  advanceClock(t, SCRIPT_RENEWAL_MS)
  const state = await gateway.app.inject({
    url: `/widget/state?token=${encodeURIComponent(token)}`,
  })
  t.equal(state.statusCode, 200, 'the script renews the token at its first renewal')
})
