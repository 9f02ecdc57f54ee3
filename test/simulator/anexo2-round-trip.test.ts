// Every code of Anexo 2, chosen on the simulator's ClaveÚnica page, reaches
// the session's stored error, the webhook event's payload and GET
// /v1/sessions/{id}, with the error table's message and guidance.

import t, { type Test } from 'tap'
import { ANEXO_2_CODES, describeSenceError } from '../../src/protocol/error-table.ts'
import {
  createIntent,
  getPage,
  submitForm,
  VALID_INTENT,
  visitThroughSimulator,
} from '../helpers/browser-flow.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { onlyFormOf } from '../helpers/html-forms.ts'

async function readSession(gateway: TestGateway, id: string) {
  const response = await gateway.app.inject({
    method: 'GET',
    url: `/v1/sessions/${id}`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
  })
  return response.json()
}

async function webhookPayload(gateway: TestGateway, sessionId: string, type: string) {
  const events = await gateway.db.prisma.webhookEvent.findMany({ where: { sessionId, type } })
  if (events.length !== 1) throw new Error(`expected one ${type} event, found ${events.length}`)
  return events[0]?.payload as { type: string; data: Record<string, any> }
}

async function startedSession(gateway: TestGateway): Promise<string> {
  const created = await createIntent(gateway, VALID_INTENT)
  await visitThroughSimulator(gateway, created.body['startUrl'])
  return created.body['id']
}

async function checkStoredError(
  t: Test,
  gateway: TestGateway,
  sessionId: string,
  type: 'session.start_failed' | 'session.close_failed',
  codes: number[],
) {
  const label = codes.join(';')
  const entry = describeSenceError(codes[0] as number)
  const stored = await gateway.db.prisma.session.findUniqueOrThrow({ where: { id: sessionId } })
  t.same(stored.errorCodes, codes, `${label} stored`)

  const payload = await webhookPayload(gateway, sessionId, type)
  t.equal(payload.type, type, `${label} webhook type`)
  t.same(payload.data['error']?.codes, codes, `${label} webhook codes`)
  t.equal(payload.data['error']?.code, codes[0], `${label} webhook code`)

  const view = await readSession(gateway, sessionId)
  t.equal(view.status, type.slice('session.'.length), `${label} status`)
  t.same(view.error, payload.data['error'], `${label} API error equals webhook error`)
  if (codes.length === 1) {
    t.equal(view.error.message, entry.message, `${label} message`)
    t.equal(view.error.guidance, entry.guidance, `${label} guidance`)
  }
}

t.test('every code on a start', async (t) => {
  const gateway = await startTestGateway(t)
  for (const code of ANEXO_2_CODES.filter((code) => code !== 313)) {
    const created = await createIntent(gateway, VALID_INTENT)
    const visit = await visitThroughSimulator(gateway, created.body['startUrl'], {
      outcome: String(code),
    })
    t.equal(visit.callbackForm?.fields['GlosaError'], String(code), `${code} posted`)
    const location = new URL(visit.callbackResponse?.headers.location as string)
    t.equal(location.searchParams.get('result'), 'start_failed', `${code} result`)
    t.equal(location.searchParams.get('error'), String(code), `${code} in the redirect`)
    await checkStoredError(t, gateway, created.body['id'], 'session.start_failed', [code])
  }
})

t.test('every code on a close', async (t) => {
  const gateway = await startTestGateway(t)
  for (const code of ANEXO_2_CODES) {
    const sessionId = await startedSession(gateway)
    const closing = await gateway.app.inject({
      method: 'POST',
      url: `/v1/sessions/${sessionId}/close`,
      headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
      payload: {},
    })
    const visit = await visitThroughSimulator(gateway, closing.json().closeUrl, {
      outcome: String(code),
    })
    const location = new URL(visit.callbackResponse?.headers.location as string)
    t.equal(location.searchParams.get('result'), 'close_failed', `${code} result`)
    t.equal(location.searchParams.get('error'), String(code), `${code} in the redirect`)
    await checkStoredError(t, gateway, sessionId, 'session.close_failed', [code])
  }
})

t.test('several codes in one GlosaError', async (t) => {
  const gateway = await startTestGateway(t)
  const created = await createIntent(gateway, VALID_INTENT)
  const launch = onlyFormOf((await getPage(gateway, created.body['startUrl'])).body)
  const login = onlyFormOf((await submitForm(gateway, launch)).body)
  const answer = onlyFormOf((await submitForm(gateway, login, { outcome: '301' })).body)
  const response = await submitForm(gateway, answer, { GlosaError: '301;302' })

  t.equal(new URL(response.headers.location as string).searchParams.get('error'), '301;302')
  await checkStoredError(t, gateway, created.body['id'], 'session.start_failed', [301, 302])
  const view = await readSession(gateway, created.body['id'])
  t.match(view.error.message, describeSenceError(302).message, 'second code not hidden')
  t.match(view.error.guidance, /^301: .* 302: /)
})

t.test('unknown code gets a generic error', async (t) => {
  const gateway = await startTestGateway(t)
  const created = await createIntent(gateway, VALID_INTENT)
  const launch = onlyFormOf((await getPage(gateway, created.body['startUrl'])).body)
  const login = onlyFormOf((await submitForm(gateway, launch)).body)
  const answer = onlyFormOf((await submitForm(gateway, login, { outcome: '300' })).body)
  const response = await submitForm(gateway, answer, { GlosaError: '210' })

  t.equal(response.statusCode, 303)
  await checkStoredError(t, gateway, created.body['id'], 'session.start_failed', [210])
  const view = await readSession(gateway, created.body['id'])
  t.equal(view.error.message, describeSenceError(210).message)
})
