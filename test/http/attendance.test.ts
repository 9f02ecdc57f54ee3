import t from 'tap'
import type { SessionStatus } from '../../src/sessions/session-status.ts'
import { createIntent, VALID_INTENT, visitThroughSimulator } from '../helpers/browser-flow.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { seedSessionStatus } from '../helpers/seed-session.ts'

const COURSE = 'CURSO-ATTEND-1'

async function session(
  gateway: TestGateway,
  runAlumno: string,
  status: SessionStatus,
  times: { startedAt?: string; closedAt?: string; codigoCurso?: string } = {},
) {
  const created = await createIntent(gateway, {
    ...VALID_INTENT,
    runAlumno,
    codigoCurso: times.codigoCurso ?? COURSE,
  })
  if (created.statusCode !== 201) throw new Error(JSON.stringify(created.body))
  await seedSessionStatus(gateway, created.body['id'], status, {
    startedAt: times.startedAt === undefined ? null : new Date(times.startedAt),
    closedAt: times.closedAt === undefined ? null : new Date(times.closedAt),
  })
}

function get(gateway: TestGateway, query: string, headers: Record<string, string> = {}) {
  return gateway.app.inject({
    method: 'GET',
    url: `/v1/attendance${query}`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}`, ...headers },
  })
}

t.test('GET /v1/attendance', async (t) => {
  const gateway = await startTestGateway(t)
  const other = await gateway.createOtec()
  // Student 12345678-5: two closed sessions of 45 and 30.5 minutes, one still open.
  await session(gateway, '12345678-5', 'closed', {
    startedAt: '2026-03-01T10:00:00Z',
    closedAt: '2026-03-01T10:45:00Z',
  })
  await session(gateway, '12345678-5', 'closed', {
    startedAt: '2026-03-02T10:00:00Z',
    closedAt: '2026-03-02T10:30:30Z',
  })
  await session(gateway, '12345678-5', 'close_failed', { startedAt: '2026-03-03T10:00:00Z' })
  // Student 11111111-1: one failed start and one pending intent, which is no attendance.
  await session(gateway, '11111111-1', 'start_failed')
  await session(gateway, '11111111-1', 'pending')
  // Another course, and another OTEC's student.
  await session(gateway, '12345678-5', 'started', {
    startedAt: '2026-03-04T10:00:00Z',
    codigoCurso: 'OTRO-CURSO-9',
  })
  await createIntent(gateway, { ...VALID_INTENT, codigoCurso: COURSE }, other.apiKey)

  t.test('JSON rows per student and course', async (t) => {
    const response = await get(gateway, `?codigoCurso=${COURSE}`)
    t.equal(response.statusCode, 200)
    t.match(response.headers['content-type'], /^application\/json/)
    t.same(response.json().data, [
      {
        runAlumno: '11111111-1',
        codigoCurso: COURSE,
        sessions: 0,
        closedSessions: 0,
        openSessions: 0,
        failedStarts: 1,
        totalMinutes: 0,
        firstStartedAt: null,
        lastStartedAt: null,
      },
      {
        runAlumno: '12345678-5',
        codigoCurso: COURSE,
        sessions: 3,
        closedSessions: 2,
        openSessions: 1,
        failedStarts: 0,
        totalMinutes: 75,
        firstStartedAt: '2026-03-01T10:00:00.000Z',
        lastStartedAt: '2026-03-03T10:00:00.000Z',
      },
    ])
  })

  t.test('filters', async (t) => {
    const all = (await get(gateway, '')).json().data
    t.equal(all.length, 3, 'every course of this OTEC')
    const byRun = (await get(gateway, '?runAlumno=12.345.678-5')).json().data
    t.same(
      byRun.map((row: { codigoCurso: string }) => row.codigoCurso),
      [COURSE, 'OTRO-CURSO-9'],
    )
  })

  t.test('CSV for Excel', async (t) => {
    const response = await get(gateway, `?codigoCurso=${COURSE}`, { accept: 'text/csv' })
    t.equal(response.statusCode, 200)
    t.equal(response.headers['content-type'], 'text/csv; charset=utf-8')
    t.match(response.headers['content-disposition'], /attachment; filename="attendance.csv"/)
    const text = response.rawPayload.toString('utf8')
    t.ok(text.startsWith('\uFEFF'), 'starts with a byte order mark')
    const lines = text.slice(1).split('\r\n')
    t.equal(
      lines[0],
      'runAlumno,codigoCurso,sessions,closedSessions,openSessions,failedStarts,totalMinutes,firstStartedAt,lastStartedAt',
    )
    t.equal(
      lines[2],
      `12345678-5,${COURSE},3,2,1,0,75,2026-03-01T10:00:00.000Z,2026-03-03T10:00:00.000Z`,
    )
    t.equal(lines.length, 4, 'header, two rows, and the final line end')
  })

  t.test('CSV with semicolons, by format', async (t) => {
    const response = await get(gateway, `?codigoCurso=${COURSE}&format=csv&delimiter=semicolon`)
    t.equal(response.statusCode, 200)
    t.match(response.body, /^\uFEFFrunAlumno;codigoCurso;sessions;/)
  })

  t.test('Accept negotiation', async (t) => {
    const preferCsv = await get(gateway, '', { accept: 'application/json;q=0.5, text/csv' })
    t.match(preferCsv.headers['content-type'], /^text\/csv/)
    const any = await get(gateway, '', { accept: '*/*' })
    t.match(any.headers['content-type'], /^application\/json/)
    const xml = await get(gateway, '', { accept: 'application/xml' })
    t.equal(xml.statusCode, 406)
    t.equal(xml.json().type, 'urn:sence-gateway:problem:not-acceptable')
  })
})

t.test('CSV cells cannot run formulas', async (t) => {
  const gateway = await startTestGateway(t)
  await session(gateway, '12345678-5', 'closed', {
    codigoCurso: '=HYPERLINK("http://x")',
    startedAt: '2026-03-01T10:00:00Z',
    closedAt: '2026-03-01T10:01:00Z',
  })
  const response = await get(gateway, '?format=csv')
  const row = response.body.split('\r\n')[1] as string
  t.ok(row.startsWith(`12345678-5,"'=HYPERLINK(""http://x"")",1,1,0,0,1,`), row)
})

t.test('attendance after a real login and logout', async (t) => {
  const gateway = await startTestGateway(t)
  const created = await createIntent(gateway, VALID_INTENT)
  await visitThroughSimulator(gateway, created.body['startUrl'])
  const close = await gateway.app.inject({
    method: 'POST',
    url: `/v1/sessions/${created.body['id']}/close`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
  })
  await visitThroughSimulator(gateway, close.json().closeUrl)

  const [row] = (await get(gateway, '')).json().data
  t.equal(row.sessions, 1)
  t.equal(row.closedSessions, 1)
  t.equal(row.openSessions, 0)
})
