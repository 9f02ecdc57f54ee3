import t from 'tap'
import {
  ANEXO_2_CODES,
  describeSenceError,
  describeSenceErrors,
  SENCE_ERRORS,
} from '../../src/protocol/error-table.ts'

/** Anexo 2 of SENCE's manual v1.1.6: 200-209, 211, 212, 300-313 (100 and 210 were removed). */
const MANUAL_CODES = [
  200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 211, 212, 300, 301, 302, 303, 304, 305, 306,
  307, 308, 309, 310, 311, 312, 313,
]

t.test('table has exactly Anexo 2', async (t) => {
  t.same(ANEXO_2_CODES, MANUAL_CODES)
  t.same([...SENCE_ERRORS.keys()], MANUAL_CODES)
})

t.test('every code has message and guidance', async (t) => {
  for (const code of MANUAL_CODES) {
    const entry = describeSenceError(code)
    t.equal(entry.code, code, `${code} code`)
    t.ok(entry.meaning.length > 20, `${code} meaning`)
    t.ok(entry.message.length > 20, `${code} message`)
    t.ok(entry.guidance.length > 20, `${code} guidance`)
    t.notMatch(entry.message, /\b\d{3}\b/, `${code} message shows no raw code to the student`)
    t.notSame(entry.message, entry.guidance, `${code} message differs from guidance`)
  }
})

t.test('reported codes say what to send', async (t) => {
  for (const code of [300, 302, 304, 305]) {
    const entry = describeSenceError(code)
    t.equal(entry.reportToSence, true, `${code} is reported`)
    t.match(entry.guidance, /RUT OTEC.*CodigoCurso.*RUN del alumno/, `${code} lists details`)
  }
  const reported = MANUAL_CODES.filter((code) => describeSenceError(code).reportToSence)
  t.same(reported, [300, 302, 304, 305], 'only the codes the manual asks to report')
})

t.test('codes checked before redirect', async (t) => {
  const checked = MANUAL_CODES.filter((code) => describeSenceError(code).checkedBeforeRedirect)
  t.same(checked, [200, 201, 202, 203, 204, 205, 206, 207, 209])
})

t.test('202 and 203 are not swapped', async (t) => {
  t.match(describeSenceError(202).meaning, /URL de Retoma/)
  t.match(describeSenceError(203).meaning, /URL de Error/)
})

t.test('unknown codes get a generic entry', async (t) => {
  for (const code of [100, 210, 999, 0]) {
    const entry = describeSenceError(code)
    t.equal(entry.code, code, `${code} keeps its number`)
    t.equal(entry.reportToSence, true, `${code} is reported`)
    t.match(entry.guidance, new RegExp(`\\(${code}\\)`), `${code} guidance names the code`)
  }
  t.equal(describeSenceError(null).code, 0, 'no code at all')
})

t.test('several codes described together', async (t) => {
  const both = describeSenceErrors([301, 302])
  t.match(both.message, describeSenceError(301).message)
  t.match(both.message, describeSenceError(302).message)
  t.match(both.guidance, /^301: .* 302: /)

  const repeated = describeSenceErrors([306, 308])
  t.equal(repeated.message, describeSenceError(306).message, 'same message once')

  t.same(describeSenceErrors([311]), {
    message: describeSenceError(311).message,
    guidance: describeSenceError(311).guidance,
  })
  t.equal(describeSenceErrors([]).message, describeSenceError(null).message, 'no code')
})
