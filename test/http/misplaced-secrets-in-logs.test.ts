import t from 'tap'
import { startTestGateway } from '../helpers/gateway.ts'

// Integrators do put credentials in the wrong place: an API key in the
// query string (as `api_key`, `key` or `access_token`), a RUN under
// another name. The gateway rejects such a request, but its access log
// writes the URL, so the values must be masked there as well.
t.test('misplaced API key and RUN', async (t) => {
  const gateway = await startTestGateway(t)
  const key = gateway.otec.apiKey
  const urls = [
    `/v1/sessions?api_key=${key}`,
    `/v1/sessions?key=${key}`,
    `/v1/sessions?access_token=${key}`,
    `/v1/sessions?run=12345678-5`,
    `/v1/attendance?codigoCurso=1234567&rut=12.345.678-5`,
  ]
  for (const url of urls) await gateway.app.inject({ method: 'GET', url })

  const logs = gateway.logText()
  t.notOk(logs.includes(key), 'the API key is not in any log line')
  t.notOk(logs.includes('12345678-5'), 'the RUN is not in any log line')
  t.notOk(logs.includes('12.345.678-5'), 'the RUN with dots is not in any log line')
})
