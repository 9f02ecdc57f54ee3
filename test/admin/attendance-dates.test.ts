// The attendance report is what an OTEC hands over for a period. When a
// "desde" or "hasta" date cannot be read (a day that does not exist, or
// the Chilean day-month-year order typed by hand), the page and the CSV
// drop that limit without a word and report the whole history instead.
// The session list shows a message for the same mistake ("La fecha … no
// es válida"), and a spreadsheet of the wrong period, sent on as a course's
// attendance, does more harm than an error page. These tests expect
// the page to name the unreadable date and the CSV not to be produced.

import { parse } from 'node-html-parser'
import t from 'tap'
import { createStaff, signedInClient } from '../helpers/admin.ts'
import { startTestGateway } from '../helpers/gateway.ts'
import { startSession } from '../helpers/sessions.ts'

const COURSE = 'RLAB-19-02-08-0071-1'

t.test('attendance with an unreadable date', async (t) => {
  const gateway = await startTestGateway(t)
  await startSession(gateway, { intent: { codigoCurso: COURSE } })
  const staff = await createStaff(gateway)
  const client = await signedInClient(gateway, staff.email)

  for (const from of ['2099-02-30', '30-12-2099']) {
    const page = await client.get(`/admin/attendance?codigoCurso=${COURSE}&from=${from}`)
    const main = parse(page.body).querySelector('main')?.textContent ?? ''
    t.match(main, from, `the page names the date ${from} it could not use`)
    t.match(main, /no es válida/, `the page says ${from} is not a valid date`)

    const csv = await client.get(`/admin/attendance.csv?codigoCurso=${COURSE}&from=${from}`)
    t.not(csv.statusCode, 200, `no CSV is produced for from=${from}`)
    t.notMatch(csv.body, /12345678-5/, `the CSV for from=${from} lists no session of before it`)
  }
})
