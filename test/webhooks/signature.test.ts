import t from 'tap'
import { Webhook } from 'standardwebhooks'
import { generateWebhookSecret } from '../../src/security/random-tokens.ts'
import { secretKeyBytes, signedHeaders, signMessage } from '../../src/webhooks/signature.ts'

// The test vector published with Standard Webhooks 1.0.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
}

t.test('signature matches the published vector', async (t) => {
  t.equal(signMessage(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body), VECTOR.signature)
})

t.test('standardwebhooks verifies fresh signatures', async (t) => {
  const secret = generateWebhookSecret()
  const body = JSON.stringify({ type: 'session.started', data: { id: 'x' } })
  const now = Math.floor(Date.now() / 1000)
  const headers = signedHeaders([secret], 'msg_abc', now, body)
  t.same(new Webhook(secret).verify(body, { ...headers }), JSON.parse(body))
})

t.test('verification rejects tampering', async (t) => {
  const secret = generateWebhookSecret()
  const body = '{"type":"session.started"}'
  const now = Math.floor(Date.now() / 1000)
  const verifier = new Webhook(secret)

  const oneByte = signedHeaders([secret], 'msg_abc', now, body)
  t.throws(
    () => verifier.verify(body.replace('started', 'startex'), { ...oneByte }),
    'one byte changed',
  )

  const old = signedHeaders([secret], 'msg_abc', now - 301, body)
  t.throws(() => verifier.verify(body, { ...old }), 'timestamp 301 s old')

  const unknownScheme = {
    ...oneByte,
    'webhook-signature': oneByte['webhook-signature'].replace('v1,', 'v2,'),
  }
  t.throws(() => verifier.verify(body, unknownScheme), 'only an unknown scheme')

  const otherSecret = signedHeaders([generateWebhookSecret()], 'msg_abc', now, body)
  t.throws(() => verifier.verify(body, { ...otherSecret }), 'another secret')
})

t.test('rotation signs with both secrets', async (t) => {
  const current = generateWebhookSecret()
  const previous = generateWebhookSecret()
  const body = '{"type":"session.closed"}'
  const headers = signedHeaders([current, previous], 'msg_rot', Math.floor(Date.now() / 1000), body)
  t.equal(headers['webhook-signature'].split(' ').length, 2, 'two space-separated signatures')
  t.ok(new Webhook(current).verify(body, { ...headers }), 'a receiver on the new secret accepts')
  t.ok(new Webhook(previous).verify(body, { ...headers }), 'a receiver on the old secret accepts')
})

t.test('secret format is checked', async (t) => {
  t.equal(secretKeyBytes(VECTOR.secret).length, 24)
  t.equal(secretKeyBytes(generateWebhookSecret()).length, 32)
  t.throws(() => secretKeyBytes('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), /must start with "whsec_"/)
  t.throws(() => secretKeyBytes('whsec_c2hvcnQ='), /24 to 64 bytes/)
  t.throws(() => secretKeyBytes('whsec_not base64!'), /base64/)
  t.throws(() => signedHeaders([], 'msg', 1, ''), /at least one/)
})
