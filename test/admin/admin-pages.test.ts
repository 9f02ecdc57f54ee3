// Every page of the admin dashboard, over inject, against sessions in
// every status and webhook deliveries that succeeded and failed: each page
// renders and shows what staff need, and the SENCE Token never appears.

import { parse } from 'node-html-parser'
import t from 'tap'
import { describeSenceError } from '../../src/protocol/error-table.ts'
import { SESSION_STATUSES } from '../../src/sessions/session-status.ts'
import { buildAdminWorld, createStaff, signedInClient, waitUntil } from '../helpers/admin.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { FAST_WEBHOOK_SETTINGS } from '../helpers/webhook-worker.ts'

const SENCE_TOKEN = '12345678-1234-1234-1234-123456789'

t.test('admin pages', async (t) => {
  const gateway = await startTestGateway(t, { environment: FAST_WEBHOOK_SETTINGS })
  const world = await buildAdminWorld(t, gateway)
  const staff = await createStaff(gateway)
  const client = await signedInClient(gateway, staff.email)
  const { prisma } = gateway.db
  const pagesSeen: string[] = []
  const get = async (url: string) => {
    const response = await client.get(url)
    if (String(response.headers['content-type']).startsWith('text/html'))
      pagesSeen.push(response.body)
    return response
  }
  const text = (html: string) =>
    parse(html).querySelector('main')?.textContent.replace(/\s+/g, ' ') ?? ''

  t.test('overview', async (t) => {
    const page = await get('/admin')
    t.equal(page.statusCode, 200)
    t.equal(page.headers['cache-control'], 'no-store')
    const counters = parse(page.body)
      .querySelectorAll('.count')
      .map((node) => Number(node.textContent))
    t.same(counters, [3, 2, 1, 0], 'open sessions, failed sessions, failed and pending deliveries')
    const svg = parse(page.body).querySelector('svg[role="img"]')
    t.ok(svg, 'the chart is an inline SVG')
    t.match(
      svg?.querySelector('desc')?.textContent,
      /4 sesiones iniciadas, 1 cerradas y 2 fallidas/,
    )
    t.equal(svg?.querySelectorAll('rect').length, 28 * 3, 'three bars for each of 28 days')
    t.match(text(page.body), /El curso está mal configurado/, 'the 308 failure with its message')
  })

  t.test('session list with each status filter', async (t) => {
    const all = await get('/admin/sessions')
    t.equal(all.statusCode, 200)
    t.equal(parse(all.body).querySelectorAll('tbody tr').length, 7)
    for (const status of SESSION_STATUSES) {
      const page = await get(`/admin/sessions?status=${status}`)
      const links = parse(page.body)
        .querySelectorAll('tbody tr a')
        .map((link) => link.getAttribute('href'))
      t.same(links, [`/admin/sessions/${world.sessions[status]}`], `status ${status}`)
    }
    const byCode = await get('/admin/sessions?errorCode=308')
    t.same(
      parse(byCode.body)
        .querySelectorAll('tbody tr a')
        .map((link) => link.getAttribute('href')),
      [`/admin/sessions/${world.sessions.start_failed}`],
      'filtered by error code',
    )
    const byRun = await get(
      '/admin/sessions?runAlumno=12.345.678-5&codigoCurso=RLAB-19-02-08-0071-1',
    )
    t.equal(parse(byRun.body).querySelectorAll('tbody tr').length, 7, 'RUN in any spelling')
    const none = await get('/admin/sessions?runAlumno=11111111-1')
    t.match(text(none.body), /No hay sesiones que cumplan estos filtros/)
    const today = new Date().toISOString().slice(0, 10)
    const future = await get('/admin/sessions?from=2099-01-01')
    t.equal(parse(future.body).querySelectorAll('tbody tr').length, 0, 'from a future day')
    const untilToday = await get(`/admin/sessions?to=${today}&from=2020-01-01`)
    t.ok(parse(untilToday.body).querySelectorAll('tbody tr').length >= 1, 'up to today, inclusive')
    const bad = await get('/admin/sessions?runAlumno=12345678-4&status=nope&from=ayer&errorCode=x')
    t.equal(bad.statusCode, 200)
    const problems = parse(bad.body)
      .querySelectorAll('.problems li')
      .map((node) => node.textContent)
    t.equal(problems.length, 4, 'each unusable filter is named')
  })

  t.test('pagination', async (t) => {
    for (let index = 0; index < 51; index += 1)
      await prisma.session.create({
        data: {
          otecId: gateway.otec.id,
          environment: 'test',
          rutOtec: '76000001-8',
          runAlumno: '11111111-1',
          codSence: '-1',
          codigoCurso: 'PAGINADO',
          lineaCapacitacion: 3,
          idSesionAlumno: `paginado-${index}`,
          maxDurationMinutes: 180,
          pendingExpiresAt: new Date(Date.now() - 1000),
          events: { create: { type: 'intent_created', toStatus: 'pending' } },
        },
      })
    const first = await get('/admin/sessions?codigoCurso=PAGINADO')
    t.equal(parse(first.body).querySelectorAll('tbody tr').length, 50)
    const next = parse(first.body).querySelector('a[rel="next"]')?.getAttribute('href')
    t.match(next, /^\/admin\/sessions\?codigoCurso=PAGINADO&cursor=/)
    const second = await get(next as string)
    t.equal(parse(second.body).querySelectorAll('tbody tr').length, 1, 'the 51st on the next page')
    t.notOk(parse(second.body).querySelector('a[rel="next"]'), 'no page after it')
    await prisma.session.deleteMany({ where: { codigoCurso: 'PAGINADO' } })
  })

  t.test('each session page', async (t) => {
    for (const status of SESSION_STATUSES) {
      const page = await get(`/admin/sessions/${world.sessions[status]}`)
      t.equal(page.statusCode, 200, status)
      const events = parse(page.body).querySelectorAll('.events > li')
      t.ok(events.length >= 1, `${status}: the history is shown`)
    }
    const failed = await get(`/admin/sessions/${world.sessions.start_failed}`)
    t.match(text(failed.body), /Por qué falló: código SENCE 308/)
    t.match(text(failed.body), describeSenceError(308).guidance.slice(0, 60), 'the staff guidance')
    t.match(failed.body, /&quot;GlosaError&quot;: &quot;308&quot;/, 'the raw callback fields')
    const deliveryRow = parse(failed.body).querySelector('#webhooks-title')?.parentNode
    t.match(deliveryRow?.textContent, /session\.start_failed/)
    t.ok(
      parse(failed.body).querySelector(`form[action$="/redeliver"]`),
      'a failed delivery has a redeliver button',
    )

    const closeFailed = await get(`/admin/sessions/${world.sessions.close_failed}`)
    t.match(text(closeFailed.body), /código SENCE 300/)
    const closed = await get(`/admin/sessions/${world.sessions.closed}`)
    t.notMatch(text(closed.body), /Por qué falló/)
    t.match(text(closed.body), /Duración/)

    const unknown = await get('/admin/sessions/00000000-0000-4000-8000-000000000000')
    t.equal(unknown.statusCode, 404)
    const malformed = await get('/admin/sessions/not-a-uuid')
    t.equal(malformed.statusCode, 404)
  })

  t.test('open sessions', async (t) => {
    const page = await get('/admin/open-sessions')
    const links = parse(page.body)
      .querySelectorAll('tbody tr a')
      .map((link) => link.getAttribute('href'))
      .sort()
    t.same(
      links,
      [world.sessions.started, world.sessions.closing, world.sessions.close_failed]
        .map((id) => `/admin/sessions/${id}`)
        .sort(),
    )
    t.notMatch(text(page.body), /más que su máximo/, 'none has outlived its maximum')
    await prisma.session.update({
      where: { id: world.sessions.started },
      data: { startedAt: new Date(Date.now() - 200 * 60_000) },
    })
    const late = await get('/admin/open-sessions')
    t.match(text(late.body), /3 h 20 min \(más que su máximo de 3 h 00 min\)/)
  })

  t.test('errors grouped by code', async (t) => {
    const page = await get('/admin/errors')
    const headings = parse(page.body)
      .querySelectorAll('.error-code h2')
      .map((node) => node.textContent)
    t.same(headings.sort(), ['Código 300: 1 sesión', 'Código 308: 1 sesión'])
    t.match(text(page.body), describeSenceError(300).guidance.slice(0, 60))
    t.match(text(page.body), /SENCE pide que este error se le reporte/, '300 must be reported')
    const link = parse(page.body).querySelector('a[href*="errorCode=308"]')?.getAttribute('href')
    const sessions = await get(link as string)
    t.equal(
      parse(sessions.body).querySelectorAll('tbody tr').length,
      1,
      'the link lists the session',
    )
    const old = await get('/admin/errors?from=2020-01-01&to=2020-01-31')
    t.match(text(old.body), /Ninguna sesión de este rango/)
  })

  t.test('webhook deliveries and attempts', async (t) => {
    const page = await get('/admin/webhooks')
    t.equal(parse(page.body).querySelectorAll('tbody tr').length, 8, 'one per event')
    const failed = await get('/admin/webhooks?status=failed')
    const rows = parse(failed.body).querySelectorAll('tbody tr')
    t.equal(rows.length, 1)
    t.match(rows[0]?.textContent, /se agotaron los reintentos/)
    const href = rows[0]?.querySelector('a')?.getAttribute('href') as string
    const detail = await get(href)
    t.equal(detail.statusCode, 200)
    t.equal(
      parse(detail.body).querySelectorAll('tbody tr').length,
      5,
      'the first attempt and four retries',
    )
    t.match(text(detail.body), /500/)
    t.match(text(detail.body), /"type": "session.start_failed"/, 'the body sent')
    const events = await get('/admin/webhooks?eventType=session.closed')
    t.equal(parse(events.body).querySelectorAll('tbody tr').length, 1)
    const bySession = await get(`/admin/webhooks?sessionId=${world.sessions.closed}`)
    t.equal(parse(bySession.body).querySelectorAll('tbody tr').length, 2, 'started and closed')
    t.equal((await get('/admin/webhooks?cursor=nonsense')).statusCode, 303)
    t.equal((await get('/admin/webhooks/00000000-0000-4000-8000-000000000000')).statusCode, 404)
  })

  t.test('redeliver', async (t) => {
    const delivery = await prisma.webhookDelivery.findFirstOrThrow({
      where: { event: { sessionId: world.sessions.closed, type: 'session.closed' } },
    })
    const before = world.receiver.received.filter(
      (webhook) => webhook.webhookId === delivery.eventId,
    )
    t.equal(before.length, 1)
    const response = await client.post(
      `/admin/webhooks/${delivery.id}/redeliver`,
      {},
      `/admin/webhooks/${delivery.id}`,
    )
    t.equal(response.statusCode, 303)
    t.equal(response.headers.location, `/admin/webhooks/${delivery.id}?notice=redelivered`)
    await world.receiver.waitFor(
      (received) =>
        received.filter((webhook) => webhook.webhookId === delivery.eventId).length === 2,
    )
    const again = world.receiver.received.filter(
      (webhook) => webhook.webhookId === delivery.eventId,
    )
    t.ok(
      again.every((webhook) => webhook.verified),
      'signed both times',
    )
    await waitUntil(async () => {
      const current = await prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } })
      return current.status === 'succeeded' && current.attemptCount === 2
    })
    const page = await get(`/admin/webhooks/${delivery.id}?notice=redelivered`)
    t.match(text(page.body), /se enviará de nuevo/)
    t.equal(parse(page.body).querySelectorAll('tbody tr').length, 2, 'two attempts listed')
    const odd = await get(`/admin/webhooks/${delivery.id}?notice=<script>`)
    t.notMatch(odd.body, /<script>/, 'notices come from a fixed list')
  })

  t.test('attendance and CSV', async (t) => {
    const page = await get('/admin/attendance')
    const options = parse(page.body)
      .querySelectorAll('select[name="codigoCurso"] option')
      .map((option) => option.getAttribute('value'))
    t.same(options, ['', 'RLAB-19-02-08-0071-1'])
    t.equal(
      parse(page.body).querySelectorAll('tbody tr').length,
      0,
      'no table before a course is chosen',
    )
    const course = await get('/admin/attendance?codigoCurso=RLAB-19-02-08-0071-1')
    const row = parse(course.body).querySelector('tbody tr')
    const cells = row?.querySelectorAll('td').map((cell) => cell.textContent.trim())
    t.same(cells?.slice(0, 4), ['4', '1', '3', '1'], 'sessions, closed, open, failed starts')
    const csvLink = parse(course.body)
      .querySelectorAll('.downloads a')
      .map((link) => link.getAttribute('href'))
    t.same(csvLink, [
      '/admin/attendance.csv?codigoCurso=RLAB-19-02-08-0071-1&delimiter=semicolon',
      '/admin/attendance.csv?codigoCurso=RLAB-19-02-08-0071-1',
    ])
    const csv = await client.get(csvLink[0] as string)
    t.equal(csv.statusCode, 200)
    t.match(csv.headers['content-type'], /^text\/csv/)
    t.equal(
      csv.headers['content-disposition'],
      'attachment; filename="asistencia-RLAB-19-02-08-0071-1.csv"',
    )
    const lines = csv.body.replace(/^\uFEFF/, '').split('\r\n')
    t.equal(
      lines[0],
      'runAlumno;codigoCurso;sessions;closedSessions;openSessions;failedStarts;totalMinutes;firstStartedAt;lastStartedAt',
    )
    t.match(lines[1], /^12345678-5;RLAB-19-02-08-0071-1;4;1;3;1;\d+;/)
  })

  t.test('every page is in Spanish, names its page and never shows the Token', async (t) => {
    for (const html of pagesSeen) {
      const document = parse(html)
      t.equal(document.querySelector('html')?.getAttribute('lang'), 'es')
      t.equal(document.querySelectorAll('h1').length, 1, 'one h1')
      t.notMatch(html, SENCE_TOKEN, 'no Token')
      const external = document
        .querySelectorAll('link[href], script[src], img[src], iframe[src]')
        .map((node) => node.getAttribute('href') ?? node.getAttribute('src') ?? '')
        .filter((url) => !url.startsWith('/assets/'))
      t.same(external, [], 'assets from the gateway only')
    }
  })
})
