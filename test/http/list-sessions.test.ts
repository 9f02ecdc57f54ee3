import t from 'tap'
import { createIntent, VALID_INTENT } from '../helpers/browser-flow.ts'
import { seedSessionStatus } from '../helpers/seed-session.ts'
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts'

async function list(gateway: TestGateway, query: string, apiKey = gateway.otec.apiKey) {
  const response = await gateway.app.inject({
    method: 'GET',
    url: `/v1/sessions${query}`,
    headers: { authorization: `Bearer ${apiKey}` },
  })
  return { statusCode: response.statusCode, body: response.json() }
}

/** Creates an intent and pins its creation time, so that the order is known. */
async function intentAt(gateway: TestGateway, createdAt: string, body = {}) {
  const created = await createIntent(gateway, { ...VALID_INTENT, ...body })
  if (created.statusCode !== 201) throw new Error(JSON.stringify(created.body))
  await gateway.db.prisma.session.update({
    where: { id: created.body['id'] },
    data: { createdAt: new Date(createdAt) },
  })
  return created.body['id'] as string
}

t.test('GET /v1/sessions', async (t) => {
  const gateway = await startTestGateway(t)
  const other = await gateway.createOtec()
  const a = await intentAt(gateway, '2026-03-01T10:00:00Z', { runAlumno: '12.345.678-5' })
  const b = await intentAt(gateway, '2026-03-02T10:00:00Z', { codigoCurso: 'CURSO-0000002' })
  const c = await intentAt(gateway, '2026-03-03T10:00:00Z', { idSesionAlumno: 'lms-c' })
  const d = await intentAt(gateway, '2026-03-03T10:00:00Z', { runAlumno: '11111111-1' })
  await seedSessionStatus(gateway, c, 'started')
  await createIntent(gateway, VALID_INTENT, other.apiKey)
  // c and d share a creation time: the id breaks the tie.
  const [cd1, cd2] = [c, d].sort().reverse()

  t.test('newest first, own OTEC only', async (t) => {
    const { statusCode, body } = await list(gateway, '')
    t.equal(statusCode, 200)
    t.same(
      body.data.map((session: { id: string }) => session.id),
      [cd1, cd2, b, a],
    )
    t.equal(body.nextCursor, null)
  })

  t.test('filters', async (t) => {
    const ids = async (query: string) =>
      (await list(gateway, query)).body.data.map((session: { id: string }) => session.id)
    t.same(
      await ids('?runAlumno=12345678-5'),
      [cd1, cd2, b, a].filter((id) => id !== d),
    )
    t.same(await ids('?runAlumno=11.111.111-1'), [d], 'RUN in any spelling')
    t.same(await ids('?codigoCurso=CURSO-0000002'), [b])
    t.same(await ids('?idSesionAlumno=lms-c'), [c])
    t.same(await ids('?status=started'), [c])
    t.same((await ids('?status=pending,started')).length, 4)
    t.same(await ids('?from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z'), [b])
    t.same(await ids('?to=2026-03-02T10:00:00-03:00'), [b, a], 'offsets are honoured')
  })

  t.test('cursor pages are stable', async (t) => {
    const first = await list(gateway, '?limit=2')
    t.same(
      first.body.data.map((session: { id: string }) => session.id),
      [cd1, cd2],
    )
    t.type(first.body.nextCursor, 'string')

    // A session created after the first page does not shift the second.
    await intentAt(gateway, '2026-03-04T10:00:00Z')
    const second = await list(gateway, `?limit=2&cursor=${first.body.nextCursor}`)
    t.same(
      second.body.data.map((session: { id: string }) => session.id),
      [b, a],
    )
    t.equal(second.body.nextCursor, null)
  })

  t.test('invalid parameters are 400', async (t) => {
    for (const query of [
      '?limit=0',
      '?limit=101',
      '?limit=abc',
      '?status=finished',
      '?from=yesterday',
      '?cursor=bm90LWEtY3Vyc29y',
      '?cursor=%%%',
    ]) {
      const { statusCode, body } = await list(gateway, query)
      t.equal(statusCode, 400, query)
      t.equal(body.type, 'urn:sence-gateway:problem:invalid-request', query)
      t.ok(body.errors?.length > 0, `${query}: errors name the parameter`)
    }
  })
})
