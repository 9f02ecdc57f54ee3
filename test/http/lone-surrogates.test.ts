import t from 'tap'
import { VALID_INTENT } from '../helpers/browser-flow.ts'
import { startTestGateway } from '../helpers/gateway.ts'

// JSON.parse accepts an escaped lone UTF-16 surrogate ("\ud800"), but
// PostgreSQL's jsonb rejects it. Metadata that carries one must be
// rejected with a 400 or 422, or cleaned, before the insert, instead of
// failing there with a 500.
const CASES = [
  { name: 'lone high surrogate in a metadata value', metadata: '{"note":"\\ud800"}' },
  { name: 'lone low surrogate in a metadata value', metadata: '{"note":"a\\udc00b"}' },
  { name: 'lone surrogate in a metadata key', metadata: '{"\\ud800":1}' },
  { name: 'lone surrogate in nested metadata', metadata: '{"a":{"b":["\\udbff"]}}' },
]

t.test('metadata with lone surrogates', async (t) => {
  const gateway = await startTestGateway(t)
  const intent = JSON.stringify(VALID_INTENT)
  for (const { name, metadata } of CASES) {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/sessions',
      headers: {
        authorization: `Bearer ${gateway.otec.apiKey}`,
        'content-type': 'application/json',
      },
      payload: `${intent.slice(0, -1)},"metadata":${metadata}}`,
    })
    t.not(response.statusCode, 500, `${name}: not a 500`)
    t.ok(
      [201, 400, 422].includes(response.statusCode),
      `${name}: 201 with the value cleaned, or a 400/422 problem (got ${response.statusCode})`,
    )
    t.match(response.headers['content-type'], /json/, `${name}: a JSON answer`)
  }
  const failures = gateway.logLines.filter((line) => line['level'] === 50)
  t.same(failures, [], 'no request logged an error')
})
