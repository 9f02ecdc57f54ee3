// The problem the dashboard shows for a filter or form field it cannot use: a
// repeated field, a NUL character, a session id that is not a UUID, an
// unreadable date, or a SENCE Token that is the staff member's own
// dashboard password, which a password manager may fill in.

import { parse } from 'node-html-parser'
import t from 'tap'
import { AdminClient, createStaff, signedInClient, STAFF_PASSWORD } from '../helpers/admin.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { startSession } from '../helpers/sessions.ts'

function problemsOf(body: string): string {
  return parse(body).querySelector('.problems')?.textContent ?? ''
}

t.test('filter problems on the page', async (t) => {
  const gateway = await startTestGateway(t)
  const session = await startSession(gateway)
  const staff = await createStaff(gateway)
  const client = await signedInClient(gateway, staff.email)

  const cases: [string, RegExp][] = [
    ['/admin/sessions?status=started&status=closed', /"Estado" llegó 2 veces/],
    ['/admin/sessions?codigoCurso=%00', /"Código del curso" contiene un carácter nulo/],
    ['/admin/webhooks?sessionId=12345678-5', /"12345678-5" no es un id de sesión/],
    ['/admin/webhooks?eventType=a&eventType=b', /"Evento" llegó 2 veces/],
    ['/admin/webhooks?status=perdida', /El estado "perdida" no existe/],
    ['/admin/attendance?codigoCurso=a&codigoCurso=b', /"Curso" llegó 2 veces/],
    ['/admin/errors?from=2099-02-30', /La fecha "desde" \(2099-02-30\) no es válida/],
    ['/admin/errors?to=a&to=b', /"hasta" llegó 2 veces/],
  ]
  for (const [url, expected] of cases) {
    const page = await client.get(url)
    t.equal(page.statusCode, 200, `${url} shows the page`)
    t.match(problemsOf(page.body), expected, `${url} names the field and the value`)
  }

  const padded = await client.get(`/admin/webhooks?sessionId=${session.id}%20`)
  t.equal(problemsOf(padded.body), '', 'a session id with a trailing space is trimmed and used')

  const csv = await client.get('/admin/attendance.csv?to=2026-01-01&to=2026-02-01')
  t.equal(csv.statusCode, 422, 'a repeated date produces no CSV')
  t.match(
    parse(csv.body).textContent,
    /"hasta" llegó 2 veces/,
    'the CSV route names the repeated field',
  )
})

t.test('repeated settings fields', async (t) => {
  const gateway = await startTestGateway(t)
  const staff = await createStaff(gateway)
  const client = await signedInClient(gateway, staff.email)

  const page = await client.post(
    '/admin/settings',
    {
      name: 'OTEC de prueba',
      environment: 'test',
      returnOrigins: '',
      maxSessionMinutes: ['120', '90'],
    },
    '/admin/settings',
  )
  t.equal(page.statusCode, 422, 'the form is shown again')
  t.match(
    problemsOf(page.body),
    /"Duración máxima de una sesión" llegó 2 veces \("120", "90"\)/,
    'the problem names the field and its values',
  )

  const token = await client.post(
    '/admin/settings',
    {
      name: 'OTEC de prueba',
      environment: 'test',
      returnOrigins: '',
      maxSessionMinutes: '120',
      senceToken: ['secreto-uno', 'secreto-dos'],
    },
    '/admin/settings',
  )
  t.equal(token.statusCode, 422, 'a repeated Token is not saved')
  t.match(problemsOf(token.body), /"Token de SENCE" llegó 2 veces/, 'the problem names the Token')
  t.notMatch(token.body, /secreto-uno|secreto-dos/, 'the page never shows a Token')

  const webhook = await client.post(
    '/admin/settings/webhooks',
    { url: ['https://a.example.cl/h', 'https://b.example.cl/h'] },
    '/admin/settings',
  )
  t.equal(webhook.statusCode, 422, 'no endpoint is created from a repeated URL')
  t.match(problemsOf(webhook.body), /"URL del endpoint" llegó 2 veces/, 'the problem names the URL')
})

t.test('Token equal to the staff password', async (t) => {
  const gateway = await startTestGateway(t)
  const staff = await createStaff(gateway)
  const client = await signedInClient(gateway, staff.email)
  const tokenBefore = gateway.secrets.open(
    (await gateway.db.prisma.otec.findUniqueOrThrow({ where: { id: gateway.otec.id } }))
      .senceTokenSealed,
  )

  const page = await client.post(
    '/admin/settings',
    {
      name: 'OTEC de prueba',
      environment: 'test',
      returnOrigins: '',
      maxSessionMinutes: '120',
      senceToken: STAFF_PASSWORD,
    },
    '/admin/settings',
  )
  t.equal(page.statusCode, 422, 'the form is shown again')
  t.match(problemsOf(page.body), /es su contraseña de este panel/, 'the page says why')
  t.notMatch(page.body, new RegExp(STAFF_PASSWORD), 'the page does not show the password')
  const tokenAfter = gateway.secrets.open(
    (await gateway.db.prisma.otec.findUniqueOrThrow({ where: { id: gateway.otec.id } }))
      .senceTokenSealed,
  )
  t.equal(tokenAfter, tokenBefore, 'the registered Token is kept')
})

t.test('sign-in with a NUL character', async (t) => {
  const gateway = await startTestGateway(t)
  const client = new AdminClient(gateway)
  const page = await client.post(
    '/admin/sign-in',
    { email: 'persona\u0000@otec.test', password: STAFF_PASSWORD },
    '/admin/sign-in',
  )
  t.equal(page.statusCode, 401, 'the sign-in fails as for an unknown address')
  t.match(
    parse(page.body).querySelector('main')?.textContent ?? '',
    /El correo o la contraseña no son correctos/,
    'the page shows the usual message',
  )
})
