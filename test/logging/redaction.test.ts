import { Writable } from 'node:stream'
import t from 'tap'
import { createLogger, maskUrlForLog } from '../../src/logging/logger.ts'
import { createIntent, VALID_INTENT, visitThroughSimulator } from '../helpers/browser-flow.ts'
import { startTestGateway } from '../helpers/gateway.ts'

function captureLogger() {
  const lines: Record<string, any>[] = []
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line))
      callback()
    },
  })
  return { logger: createLogger('info', sink), lines }
}

t.test('secret fields redacted at any depth', async (t) => {
  const { logger, lines } = captureLogger()
  logger.info(
    {
      Token: 'top-token',
      apiKey: 'sk_live_top',
      form: { Token: 'form-token', RunAlumno: '12345678-5' },
      upstream: {
        headers: { authorization: 'Bearer sk_live_x', cookie: 'sid=1', 'set-cookie': 'a' },
      },
      endpoint: { webhookSecret: 'whsec_abc', secret: 'whsec_def' },
      settings: { encryptionKeys: 'k1:AAAA', databaseUrl: 'postgresql://u:pw@db/x' },
      ticket: 'd2ciKOZEjOTOKPhD3CNEcg',
    },
    'test line',
  )
  const text = JSON.stringify(lines)
  for (const secret of [
    'top-token',
    'sk_live_top',
    'form-token',
    'sk_live_x',
    'sid=1',
    'whsec_abc',
    'whsec_def',
    'k1:AAAA',
    'pw@db',
    'd2ciKOZEjOTOKPhD3CNEcg',
  ])
    t.notOk(text.includes(secret), `${secret} is not logged`)
  t.equal(lines[0]?.form.Token, '[redacted]')
  t.equal(lines[0]?.upstream.headers.authorization, '[redacted]')
  t.equal(lines[0]?.upstream.headers['set-cookie'], '[redacted]')
})

t.test('RUN fields masked', async (t) => {
  const { logger, lines } = captureLogger()
  logger.info(
    {
      runAlumno: '12.345.678-5',
      form: { RunAlumno: '9876543-3' },
      masked: { runAlumno: '*****678-5' },
    },
    'test line',
  )
  t.equal(lines[0]?.runAlumno, '*****678-5')
  t.equal(lines[0]?.form.RunAlumno, '****543-3')
  t.equal(lines[0]?.masked.runAlumno, '*****678-5', 'a masked RUN stays as it is')
})

t.test('URLs masked for logs', async (t) => {
  t.equal(maskUrlForLog('/go/d2ciKOZEjOTOKPhD3CNEcg'), '/go/[ticket]')
  t.equal(maskUrlForLog('/cb/d2ciKOZEjOTOKPhD3CNEcg/ok'), '/cb/[ticket]/ok')
  t.equal(
    maskUrlForLog('/v1/sessions?runAlumno=12345678-5&status=started'),
    '/v1/sessions?runAlumno=*****678-5&status=started',
  )
  t.equal(
    maskUrlForLog('/v1/x?api_key=sk_test_abc&rut=12.345.678-5'),
    '/v1/x?api_key=%5Bredacted%5D&rut=*****678-5',
  )
  t.equal(
    maskUrlForLog('/v1/x?note=sk_live_abcdef'),
    '/v1/x?note=%5Bredacted%5D',
    'a key under any name',
  )
  t.equal(maskUrlForLog('/v1/sessions?status=started'), '/v1/sessions?status=started')
})

t.test('no secret in a whole flow’s log', async (t) => {
  const gateway = await startTestGateway(t, {
    otec: { webhookUrl: 'https://lms.example.cl/hooks/sence' },
  })
  const created = await createIntent(gateway, VALID_INTENT)
  const start = await visitThroughSimulator(gateway, created.body['startUrl'])
  await gateway.app.inject({
    method: 'GET',
    url: '/v1/sessions?runAlumno=12345678-5',
    headers: { authorization: `Bearer ${gateway.otec.apiKey}`, cookie: 'session=abc123' },
  })
  await gateway.app.inject({
    method: 'GET',
    url: '/v1/sessions/00000000-0000-0000-0000-000000000000',
    headers: { authorization: 'Bearer sk_test_unknownkeyunknownkeyunknownkey' },
  })

  const log = gateway.logText()
  const startTicket = new URL(created.body['startUrl']).pathname.split('/')[2] as string
  t.ok(log.length > 0)
  t.notOk(log.includes(gateway.otec.apiKey), 'API key')
  t.notOk(log.includes('sk_test_unknownkeyunknownkeyunknownkey'), 'rejected API key')
  t.notOk(log.includes(gateway.otec.webhookSecret as string), 'webhook secret')
  t.notOk(log.includes(start.launchForm.fields['Token'] as string), 'SENCE Token')
  t.notOk(log.includes(startTicket), 'ticket')
  t.notOk(log.includes('12345678-5'), 'full RUN')
  t.notOk(log.includes('abc123'), 'cookie')
  t.match(log, /\*\*\*\*\*678-5/, 'masked RUN present')
})

t.test('one line per callback with its outcome', async (t) => {
  const gateway = await startTestGateway(t)
  const created = await createIntent(gateway, VALID_INTENT)
  const visit = await visitThroughSimulator(gateway, created.body['startUrl'], {
    outcome: '308',
  })
  const requestId = visit.callbackResponse?.headers['x-request-id']
  t.type(requestId, 'string', 'x-request-id header')

  const callbackLines = gateway.logLines.filter((line) => line['msg'] === 'callback processed')
  t.equal(callbackLines.length, 1)
  t.match(callbackLines[0], {
    reqId: requestId,
    sessionId: created.body['id'],
    result: 'start_failed',
    senceCodes: [308],
    duplicate: false,
  })

  const requestLines = gateway.logLines.filter((line) => line['reqId'] === requestId)
  t.same(
    requestLines.map((line) => line['msg']),
    ['callback processed', 'request completed'],
    'the callback line and one access line, both with the request id',
  )
  t.match(requestLines[1], {
    method: 'POST',
    url: '/cb/[ticket]/err',
    route: '/cb/:ticket/:endpoint',
    statusCode: 303,
  })
})

t.test('probes logged at debug only', async (t) => {
  const gateway = await startTestGateway(t)
  await gateway.app.inject({ method: 'GET', url: '/healthz' })
  await gateway.app.inject({ method: 'GET', url: '/metrics' })
  t.same(
    gateway.logLines.filter((line) => line['route'] === '/healthz' || line['route'] === '/metrics'),
    [],
  )
})
