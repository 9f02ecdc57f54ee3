// GET /v1/webhook-deliveries?sessionId= takes any string, and a value that
// is not a UUID (a RUN, a course code, an IdSesionAlumno that the LMS
// chose itself) reaches PostgreSQL's uuid column and fails there. The LMS
// then gets a 500 "internal-error" problem, which reads as a gateway
// failure to report and retry. Every other filter of this route and of
// /v1/sessions gets a 400 "invalid-request" that names the parameter. An
// empty list would also do, since no session has such an id.

import t from 'tap'
import { startTestGateway } from '../helpers/gateway.ts'

t.test('delivery log with a non-UUID session id', async (t) => {
  const gateway = await startTestGateway(t)
  for (const sessionId of ['12345678-5', 'curso-1', '0']) {
    const response = await gateway.app.inject({
      method: 'GET',
      url: `/v1/webhook-deliveries?sessionId=${sessionId}`,
      headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
    })
    t.ok(response.statusCode < 500, `sessionId=${sessionId} answers ${response.statusCode}`)
    t.not(
      response.json().type,
      'urn:sence-gateway:problem:internal-error',
      `sessionId=${sessionId} is not an internal error`,
    )
  }
})
