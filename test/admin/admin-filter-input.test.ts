// The dashboard's filter forms are plain GET forms, so whatever a person
// types, pastes or edits in the address bar arrives in the query string.
// The webhooks page has a free-text "Id de la sesión" field. Pasting a
// RUN, a course code or an id with a trailing space into it must not end in
// the generic "Tuvimos un problema" page, a 500 logged as a gateway
// failure. That page reports a broken gateway when only the filter was
// wrong. The same holds for a field repeated in the query string
// (`?status=a&status=b`, which a hand-edited or bookmarked URL can carry):
// fastify turns it into an array, which the filters do not expect. A NUL
// character (%00) in a text filter fails in PostgreSQL the same way. Each
// page should answer with the page itself (the filter left out, as the
// session list does for a bad date) or with a 4xx page, never with 500.

import t from 'tap'
import { createStaff, signedInClient } from '../helpers/admin.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { startSession } from '../helpers/sessions.ts'

t.test('odd filter values', async (t) => {
  const gateway = await startTestGateway(t)
  const session = await startSession(gateway)
  const staff = await createStaff(gateway)
  const client = await signedInClient(gateway, staff.email)

  const cases = [
    '/admin/webhooks?sessionId=12345678-5',
    `/admin/webhooks?sessionId=${session.id}%20`,
    '/admin/webhooks?sessionId=a&sessionId=b',
    '/admin/webhooks?eventType=session.started&eventType=session.closed',
    '/admin/sessions?status=started&status=closed',
    '/admin/sessions?runAlumno=12345678-5&runAlumno=11111111-1',
    '/admin/sessions?codigoCurso=a&codigoCurso=b',
    '/admin/attendance?codigoCurso=a&codigoCurso=b',
    '/admin/attendance?codigoCurso=-1&from=2026-01-01&from=2026-02-01',
    '/admin/attendance.csv?to=2026-01-01&to=2026-02-01',
    // PostgreSQL's text parameters reject the NUL character.
    '/admin/sessions?codigoCurso=%00',
    '/admin/attendance?codigoCurso=%00',
    '/admin/webhooks?eventType=%00',
  ]
  for (const url of cases) {
    const page = await client.get(url)
    t.ok(page.statusCode < 500, `${url} answers ${page.statusCode}, not a server error`)
    t.notMatch(page.body, /Tuvimos un problema/, `${url} does not show the failure page`)
  }
})

// The dashboard's own forms send each field once. A field sent twice (by a
// browser extension, a script or a hand-made request) reaches the handlers
// as an array, and the settings forms then show the 500 page instead of
// the form's list of problems.
t.test('repeated form fields', async (t) => {
  const gateway = await startTestGateway(t)
  const staff = await createStaff(gateway)
  const client = await signedInClient(gateway, staff.email)

  const cases: [string, Record<string, string[]>][] = [
    ['/admin/settings/webhooks', { url: ['https://a.example.cl/h', 'https://b.example.cl/h'] }],
    ['/admin/settings', { name: ['OTEC uno', 'OTEC dos'] }],
    ['/admin/settings', { maxSessionMinutes: ['120', '90'] }],
    ['/admin/settings', { returnOrigins: ['https://a.example.cl', 'https://b.example.cl'] }],
    ['/admin/settings', { senceToken: ['uno', 'dos'] }],
  ]
  for (const [url, fields] of cases) {
    const page = await client.post(url, fields, '/admin/settings')
    const label = `${url} with ${Object.keys(fields).join(', ')} twice`
    t.ok(page.statusCode < 500, `${label} answers ${page.statusCode}, not a server error`)
    t.notMatch(page.body, /Tuvimos un problema/, `${label} does not show the failure page`)
  }
})
