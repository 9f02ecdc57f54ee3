// The id filters of the delivery log. GET /v1/webhook-deliveries names a
// sessionId or endpointId that is not a UUID in a 400 problem.
// listDeliveries itself, which the dashboard and the CLI also call, treats
// such an id as one that matches nothing, so it never reaches PostgreSQL's
// uuid columns.

import t from 'tap'
import { listDeliveries } from '../../src/webhooks/delivery-log.ts'
import { startTestGateway } from '../helpers/gateway.ts'

t.test('delivery log id filters', async (t) => {
  const gateway = await startTestGateway(t)

  for (const field of ['sessionId', 'endpointId']) {
    for (const value of ['12345678-5', 'curso-1', ' 3f2a9c4e-1b7d-4c55-9e0a-2d6f8b1c7e93']) {
      const response = await gateway.app.inject({
        method: 'GET',
        url: `/v1/webhook-deliveries?${field}=${encodeURIComponent(value)}`,
        headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
      })
      const label = `${field}=${JSON.stringify(value)}`
      t.equal(response.statusCode, 400, `${label} answers 400`)
      const problem = response.json()
      t.equal(
        problem.type,
        'urn:sence-gateway:problem:invalid-request',
        `${label} is invalid-request`,
      )
      t.match(problem.detail, `${field} "${value}" is not a UUID`, `${label} names the value`)
      t.equal(problem.errors?.[0]?.field, field, `${label} names the parameter in errors`)
    }
  }

  const page = await listDeliveries(
    gateway.db.prisma,
    gateway.otec.id,
    { sessionId: '12345678-5', endpointId: 'curso-1' },
    { limit: 10 },
  )
  t.same(page.deliveries, [], 'listDeliveries matches nothing for ids that are not UUIDs')
})
