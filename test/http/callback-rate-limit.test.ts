import t from 'tap'
import { startTestGateway } from '../helpers/gateway.ts'
import { postCallback, readSession, simulatorAnswer, pendingIntent } from '../helpers/sessions.ts'

// Behind a proxy without TRUST_PROXY every student shares one per-IP
// bucket, so a real SENCE callback can be the request that hits the limit.
// The student must then see the rate-limit page, which asks them to wait
// and retry, not the page for a body that SENCE would never send.
t.test('rate-limited callback page', async (t) => {
  const gateway = await startTestGateway(t, {
    environment: { RATE_LIMIT_BROWSER_PER_IP_PER_MINUTE: '3' },
  })
  const intent = await pendingIntent(gateway, { returnUrl: 'https://lms.example.cl/back' })
  // Three browser requests: the launch page, and two other students' pages.
  const answer = await simulatorAnswer(gateway, intent.startUrl)
  for (let i = 0; i < 2; i += 1)
    await gateway.app.inject({ method: 'GET', url: '/go/aaaaaaaaaaaaaaaaaaaaaa' })

  const limited = await postCallback(gateway, answer.action, answer.fields)
  t.equal(limited.statusCode, 429)
  t.match(limited.headers['retry-after'], /^\d+$/)
  t.match(limited.body, /Demasiadas solicitudes/, 'the page says the gateway is busy')
  t.notMatch(limited.body, /No pudimos leer la respuesta/, 'not the unreadable-body page')

  const session = await readSession(gateway, intent.id)
  t.equal(session.status, 'pending', 'the callback can still be applied on a retry')
  t.notOk(
    session.events.some((event) => event.type === 'callback_unreadable'),
    'a rate-limited callback is not stored as an unreadable body',
  )
})
