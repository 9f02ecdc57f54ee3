// Sign-in, cookies, CSRF, lock-out, sign-out, expiry and the OTEC boundary
// of the admin dashboard.

import { parse } from 'node-html-parser'
import t from 'tap'
import { safeNextPath } from '../../src/http/routes/admin/admin-session.ts'
import { LOCK_OUT_SECONDS, MAX_SIGN_IN_ATTEMPTS } from '../../src/staff/sign-in.ts'
import {
  AdminClient,
  createStaff,
  csrfTokenOf,
  signedInClient,
  STAFF_PASSWORD,
} from '../helpers/admin.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { logLinesWith, startSession } from '../helpers/sessions.ts'

const mainText = (html: string) =>
  parse(html).querySelector('main')?.textContent.replace(/\s+/g, ' ').trim() ?? ''

t.test('signed-out requests go to the sign-in page', async (t) => {
  const gateway = await startTestGateway(t)
  const client = new AdminClient(gateway)
  const page = await client.get('/admin/sessions?status=closed')
  t.equal(page.statusCode, 303)
  t.equal(page.headers.location, '/admin/sign-in?next=%2Fadmin%2Fsessions%3Fstatus%3Dclosed')
  const post = await gateway.app.inject({ method: 'POST', url: '/admin/settings' })
  t.equal(post.statusCode, 303, 'a POST too, before its body is read')
  t.equal(post.headers.location, '/admin/sign-in')
})

t.test('sign-in and sign-out', async (t) => {
  const gateway = await startTestGateway(t)
  const staff = await createStaff(gateway, { email: 'Ana.Perez@OTEC.test' })
  const client = new AdminClient(gateway)
  const form = await client.get('/admin/sign-in?next=%2Fadmin%2Ferrors')
  t.equal(form.statusCode, 200)
  t.equal(
    parse(form.body).querySelector('input[name="next"]')?.getAttribute('value'),
    '/admin/errors',
  )

  const signedIn = await client.post(
    '/admin/sign-in',
    { email: '  ana.perez@otec.TEST ', password: STAFF_PASSWORD, next: '/admin/errors' },
    '/admin/sign-in',
  )
  t.equal(signedIn.statusCode, 303, 'the address in any case and with spaces')
  t.equal(signedIn.headers.location, '/admin/errors')
  const errors = await client.get('/admin/errors')
  t.equal(errors.statusCode, 200)
  t.match(mainText(errors.body), /Errores de SENCE/)
  t.match(errors.body, staff.email.toLowerCase(), 'the page shows who is signed in')
  const account = await gateway.db.prisma.staffAccount.findUniqueOrThrow({
    where: { id: staff.id },
  })
  t.ok(account.lastSignInAt, 'the sign-in is recorded')
  t.same(
    logLinesWith(gateway, 'staff signed in').map((line) => line['staffId']),
    [staff.id],
  )

  const sessionCookie = client.cookies.get('sg_admin') as string
  const signOut = await client.post('/admin/sign-out', {})
  t.equal(signOut.statusCode, 303)
  t.equal(signOut.headers.location, '/admin/sign-in?signed-out=1')
  t.equal(await gateway.db.prisma.staffSession.count(), 0, 'the session row is gone')
  const reused = await gateway.app.inject({
    url: '/admin',
    headers: { cookie: `sg_admin=${sessionCookie}` },
  })
  t.equal(reused.statusCode, 303, 'a copy of the old cookie no longer works')
})

t.test('failures look alike, and five lock the account', async (t) => {
  const gateway = await startTestGateway(t)
  const staff = await createStaff(gateway)
  const client = new AdminClient(gateway)
  const attempt = (email: string, password: string) =>
    client.post('/admin/sign-in', { email, password, next: '/admin' }, '/admin/sign-in')

  const unknown = await attempt('nadie@otec.test', STAFF_PASSWORD)
  t.equal(unknown.statusCode, 401)
  const wrong = await attempt(staff.email, 'otra clave que no es')
  t.equal(wrong.statusCode, 401)
  t.equal(mainText(wrong.body), mainText(unknown.body), 'the same page for an unknown address')
  t.equal(
    parse(wrong.body).querySelector('input[name="email"]')?.getAttribute('value'),
    staff.email,
  )
  t.notMatch(wrong.body, 'otra clave', 'the password is never sent back')

  for (let index = 1; index < MAX_SIGN_IN_ATTEMPTS; index += 1)
    await attempt(staff.email, 'otra clave que no es')
  const locked = await attempt(staff.email, STAFF_PASSWORD)
  t.equal(locked.statusCode, 401, 'the right password is refused while locked')
  t.equal(mainText(locked.body), mainText(unknown.body), 'a locked account looks the same')
  const account = await gateway.db.prisma.staffAccount.findUniqueOrThrow({
    where: { id: staff.id },
  })
  const lockedFor = (account.lockedUntil as Date).getTime() - Date.now()
  t.ok(
    lockedFor > (LOCK_OUT_SECONDS - 60) * 1000 && lockedFor <= LOCK_OUT_SECONDS * 1000,
    'for 15 minutes',
  )
  t.equal(logLinesWith(gateway, 'staff sign-in rejected: account locked').length, 1)
  const failures = logLinesWith(gateway, 'staff sign-in failed')
  t.same(
    failures.map((line) => line['reason']),
    ['unknown_email', ...Array(MAX_SIGN_IN_ATTEMPTS).fill('wrong_password')],
  )
  t.notMatch(gateway.logText(), staff.email, 'addresses are masked in the log')

  await gateway.db.prisma.staffAccount.update({
    where: { id: staff.id },
    data: { lockedUntil: new Date(Date.now() - 1000) },
  })
  const afterLock = await attempt(staff.email, STAFF_PASSWORD)
  t.equal(afterLock.statusCode, 303, 'the lock ends')
})

t.test('cookies over https', async (t) => {
  const gateway = await startTestGateway(t, {
    environment: { PUBLIC_BASE_URL: 'https://gateway.example.cl' },
  })
  const staff = await createStaff(gateway)
  const client = new AdminClient(gateway)
  const form = await client.get('/admin/sign-in')
  const csrf = form.cookies.find((cookie) => cookie.name === '__Host-sg_csrf')
  t.ok(csrf, 'the CSRF cookie has the __Host- prefix')
  t.same(
    { secure: csrf?.secure, httpOnly: csrf?.httpOnly, sameSite: csrf?.sameSite, path: csrf?.path },
    { secure: true, httpOnly: true, sameSite: 'Strict', path: '/' },
  )
  t.notOk(csrf?.domain, 'no Domain')

  const signedIn = await client.signIn(staff.email)
  const session = signedIn.cookies.find((cookie) => cookie.name === '__Host-sg_admin')
  t.same(
    {
      secure: session?.secure,
      httpOnly: session?.httpOnly,
      sameSite: session?.sameSite,
      path: session?.path,
    },
    { secure: true, httpOnly: true, sameSite: 'Lax', path: '/' },
  )
  t.equal(session?.maxAge, 12 * 3600)
  const rotated = signedIn.cookies.find((cookie) => cookie.name === '__Host-sg_csrf')
  t.equal(rotated?.maxAge, 0, 'the CSRF secret of before the sign-in is dropped')
  t.equal(rotated?.secure, true, 'and removed with the attributes it was set with')
  t.equal((await client.get('/admin')).statusCode, 200)
})

t.test('every POST needs the CSRF token of its browser', async (t) => {
  const gateway = await startTestGateway(t)
  const staff = await createStaff(gateway)
  const victim = await signedInClient(gateway, staff.email)
  const attacker = new AdminClient(gateway)
  const attackerToken = csrfTokenOf((await attacker.get('/admin/sign-in')).body)
  const otec = await gateway.db.prisma.otec.findUniqueOrThrow({ where: { id: gateway.otec.id } })

  const routes = gateway.app.registeredRoutes.filter(
    (route) => route.method === 'POST' && route.url.startsWith('/admin'),
  )
  t.same(
    routes.map((route) => route.url).sort(),
    [
      '/admin/settings',
      '/admin/settings/webhooks',
      '/admin/settings/webhooks/:id',
      '/admin/sign-in',
      '/admin/sign-out',
      '/admin/webhooks/:id/redeliver',
    ],
    'the routes checked here',
  )
  for (const route of routes) {
    const url = route.url.replace(':id', '00000000-0000-4000-8000-000000000000')
    const fields = {
      name: 'Cambiado',
      environment: 'production',
      returnOrigins: '',
      maxSessionMinutes: '10',
    }
    const missing = await victim.post(url, { ...fields, _csrf: '' })
    t.equal(missing.statusCode, 403, `${route.url} without a token`)
    t.match(mainText(missing.body), /El formulario venció/)
    const foreign = await victim.post(url, { ...fields, _csrf: attackerToken })
    t.equal(foreign.statusCode, 403, `${route.url} with another browser's token`)
  }
  const after = await gateway.db.prisma.otec.findUniqueOrThrow({ where: { id: gateway.otec.id } })
  t.same(after, otec, 'nothing changed')
  t.equal(await gateway.db.prisma.staffSession.count(), 1, 'still signed in')
})

t.test('sign-in attempts are limited per IP', async (t) => {
  const gateway = await startTestGateway(t)
  const statuses: number[] = []
  for (let index = 0; index < 21; index += 1) {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/admin/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=a%40b.cl&password=x',
    })
    statuses.push(response.statusCode)
  }
  t.same(statuses.slice(0, 20), Array(20).fill(403), 'refused for the missing token')
  t.equal(statuses[20], 429, 'then limited before anything else runs')
})

t.test('sessions end after an idle hour or twelve hours', async (t) => {
  const gateway = await startTestGateway(t)
  const staff = await createStaff(gateway)
  const { prisma } = gateway.db

  const idle = await signedInClient(gateway, staff.email)
  await prisma.staffSession.updateMany({ data: { lastSeenAt: new Date(Date.now() - 61 * 60_000) } })
  t.equal((await idle.get('/admin')).statusCode, 303, 'idle for more than an hour')
  t.equal(await prisma.staffSession.count(), 0, 'and removed')

  const old = await signedInClient(gateway, staff.email)
  await prisma.staffSession.updateMany({ data: { expiresAt: new Date(Date.now() - 1000) } })
  t.equal((await old.get('/admin')).statusCode, 303, 'past its twelve hours')

  const active = await signedInClient(gateway, staff.email)
  const earlier = new Date(Date.now() - 30 * 60_000)
  await prisma.staffSession.updateMany({ data: { lastSeenAt: earlier } })
  t.equal((await active.get('/admin')).statusCode, 200)
  const touched = await prisma.staffSession.findFirstOrThrow()
  t.ok(touched.lastSeenAt > earlier, 'use moves the idle limit')
})

t.test('staff see their own OTEC only', async (t) => {
  const gateway = await startTestGateway(t)
  const theirs = await startSession(gateway)
  const other = await gateway.createOtec()
  const outsider = await createStaff(gateway, { otecId: other.id })
  const client = await signedInClient(gateway, outsider.email)

  t.equal((await client.get(`/admin/sessions/${theirs.id}`)).statusCode, 404)
  const list = await client.get('/admin/sessions')
  t.notMatch(list.body, theirs.id)
  const attendance = await client.get('/admin/attendance')
  t.equal(parse(attendance.body).querySelectorAll('select[name="codigoCurso"] option').length, 1)
  const csv = await client.get('/admin/attendance.csv')
  t.equal(
    csv.body
      .replace(/^\uFEFF/, '')
      .split('\r\n')
      .filter((line) => line !== '').length,
    1,
    'a header only',
  )
  const overview = await client.get('/admin')
  t.match(overview.body, 'OTEC de prueba')
})

t.test('the page after sign-in stays on the dashboard', async (t) => {
  t.equal(safeNextPath('/admin/sessions?status=closed'), '/admin/sessions?status=closed')
  t.equal(safeNextPath('/admin'), '/admin')
  for (const unsafe of [
    '//evil.example/admin',
    'https://evil.example/admin',
    '/adminevil',
    '/admin\\@evil.example',
    '/admin/sign-out',
    '/other',
    undefined,
    ['/admin/errors'],
  ])
    t.equal(safeNextPath(unsafe), '/admin', JSON.stringify(unsafe))
})
