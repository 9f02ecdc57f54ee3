import t from 'tap'
import { createIntent, VALID_INTENT, visitThroughSimulator } from '../helpers/browser-flow.ts'
import { nextTestRut, startTestGateway } from '../helpers/gateway.ts'

const ADMIN_API_KEY = 'admin-key-for-log-test-0123456789abcdef'
const SENCE_TOKENS = [
  'TOKEN-FOR-LOG-TEST-0001',
  'TOKEN-FOR-LOG-TEST-0002',
  'TOKEN-FOR-LOG-TEST-0003',
]

t.test('no secret reaches the logs', async (t) => {
  // Trace level: the most the gateway ever logs.
  const gateway = await startTestGateway(t, {
    environment: { ADMIN_API_KEY, LOG_LEVEL: 'trace' },
    otec: { senceToken: SENCE_TOKENS[0] as string, webhookUrl: 'https://lms.example.cl/hooks' },
  })
  const secrets: string[] = [ADMIN_API_KEY, ...SENCE_TOKENS, gateway.otec.apiKey]
  if (gateway.otec.webhookSecret !== null) secrets.push(gateway.otec.webhookSecret)
  const admin = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    gateway.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${ADMIN_API_KEY}` },
      ...(payload === undefined ? {} : { payload }),
    })

  // Admin API: create with a Token and a webhook, change the Token, rotate keys.
  const created = await admin('POST', '/v1/admin/otecs', {
    rut: nextTestRut(),
    name: 'OTEC del registro',
    senceToken: SENCE_TOKENS[1],
    webhookUrl: 'https://lms.example.cl/hooks',
    returnOrigins: ['https://lms.example.cl'],
  })
  const { otec, apiKey, webhookSecret } = created.json()
  secrets.push(apiKey, webhookSecret)
  await admin('PATCH', `/v1/admin/otecs/${otec.id}`, { senceToken: SENCE_TOKENS[2] })
  const rotated = await admin('POST', `/v1/admin/otecs/${otec.id}/api-keys`, { revokeOthers: true })
  secrets.push(rotated.json().apiKey)
  await admin('POST', '/v1/admin/otecs', { rut: 'bad', name: '', senceToken: 'x'.repeat(80) })

  // The LMS: a revoked key, a wrong key, then a whole login and logout with the new key.
  await createIntent(gateway, VALID_INTENT, apiKey)
  await createIntent(gateway, VALID_INTENT, `${apiKey}x`)
  const intent = await createIntent(gateway, VALID_INTENT, rotated.json().apiKey)
  const startTicket = new URL(intent.body['startUrl']).pathname.split('/')[2] as string
  secrets.push(startTicket)
  await visitThroughSimulator(gateway, intent.body['startUrl'])
  const close = await gateway.app.inject({
    method: 'POST',
    url: `/v1/sessions/${intent.body['id']}/close`,
    headers: { authorization: `Bearer ${rotated.json().apiKey}`, 'idempotency-key': 'log-test' },
  })
  secrets.push(new URL(close.json().closeUrl).pathname.split('/')[2] as string)
  await visitThroughSimulator(gateway, close.json().closeUrl)
  for (const report of ['/v1/sessions', '/v1/attendance'])
    await gateway.app.inject({
      method: 'GET',
      url: `${report}?runAlumno=12.345.678-5&codigoCurso=${VALID_INTENT.codigoCurso}`,
      headers: { authorization: `Bearer ${rotated.json().apiKey}` },
    })

  const text = gateway.logText()
  t.ok(gateway.logLines.length > 20, `${gateway.logLines.length} log lines checked`)
  for (const secret of secrets) t.notOk(text.includes(secret), `${secret.slice(0, 10)}… not logged`)
  t.notMatch(text, /12345678-5|12\.345\.678-5/, 'no full RUN')
})
