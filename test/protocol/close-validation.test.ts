// A close sends to SENCE two values that were not checked when the session
// was created: IdSesionSence, from SENCE's start callback, and the OTEC's
// current Token. Both are checked before the browser leaves.

import t from 'tap'
import { createIntent, getPage, submitForm, VALID_INTENT } from '../helpers/browser-flow.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { onlyFormOf } from '../helpers/html-forms.ts'

/** Starts a session whose start callback carried a blank IdSesionSence and no GlosaError. */
async function startWithoutIdSesionSence(gateway: TestGateway): Promise<string> {
  const created = await createIntent(gateway, VALID_INTENT)
  const launch = onlyFormOf((await getPage(gateway, created.body['startUrl'])).body)
  const login = onlyFormOf((await submitForm(gateway, launch)).body)
  const answer = onlyFormOf((await submitForm(gateway, login, { outcome: 'ok' })).body)
  const response = await submitForm(gateway, answer, { IdSesionSence: '' })
  if (response.statusCode !== 303) throw new Error(`callback answered ${response.statusCode}`)
  return created.body['id']
}

function requestClose(gateway: TestGateway, sessionId: string, body: unknown = {}) {
  return gateway.app.inject({
    method: 'POST',
    url: `/v1/sessions/${sessionId}/close`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
    payload: body as Record<string, unknown>,
  })
}

t.test('close without IdSesionSence is 422', async (t) => {
  const gateway = await startTestGateway(t)
  const sessionId = await startWithoutIdSesionSence(gateway)
  const stored = await gateway.db.prisma.session.findUniqueOrThrow({ where: { id: sessionId } })
  t.equal(stored.status, 'started')
  t.equal(stored.idSesionSence, null)

  const response = await requestClose(gateway, sessionId, { returnUrl: 'nope' })
  t.equal(response.statusCode, 422)
  t.same(
    response
      .json()
      .errors.map((error: { field: string; senceCode: number | null }) => [
        error.field,
        error.senceCode,
      ]),
    [
      ['returnUrl', null],
      ['idSesionSence', 200],
    ],
    'every broken rule in one 422',
  )
  const after = await gateway.db.prisma.session.findUniqueOrThrow({ where: { id: sessionId } })
  t.equal(after.status, 'started', 'the session stays started')
  t.equal(await gateway.db.prisma.ticket.count({ where: { sessionId, kind: 'close' } }), 0)
})

t.test('close of a pending session stays 409', async (t) => {
  const gateway = await startTestGateway(t)
  const created = await createIntent(gateway, VALID_INTENT)
  const response = await requestClose(gateway, created.body['id'])
  t.equal(response.statusCode, 409, 'SENCE rules are not checked for a session that cannot close')
})
