// Property: for any intent, the gateway accepts it exactly when the
// simulator accepts the request the gateway would send, and when both
// reject it they give the same SENCE codes. Both read the same rules
// module, so this checks everything around it: the API's mapping of fields,
// RUN normalisation, the trimming of values, the -1 rule per environment.

import fc from 'fast-check'
import t from 'tap'
import { callbackUrls } from '../../src/protocol/fields.ts'
import { checkDigit, normalizeRun, runProblem } from '../../src/protocol/run.ts'
import { loginRequestFields } from '../../src/sessions/validate-intent.ts'
import { createIntent, getPage } from '../helpers/browser-flow.ts'
import { PUBLIC_BASE_URL, startTestGateway, type TestGateway } from '../helpers/gateway.ts'
import { onlyFormOf, formsOf } from '../helpers/html-forms.ts'

const TOKEN = '12345678-1234-1234-1234-123456789'

const validRunBody = fc.integer({ min: 1_000_000, max: 99_999_999 }).map(String)

/** A RUN as an LMS may hold it: canonical, with dots, without dash, lower-case k. */
const typedValidRun = fc.oneof(
  validRunBody.map((body) => `${body}-${checkDigit(body)}`),
  validRunBody.map((body) => `${Number(body).toLocaleString('de-DE')}-${checkDigit(body)}`),
  validRunBody.map((body) => `${body}${checkDigit(body).toLowerCase()}`),
)

const wildRun = fc.oneof(
  validRunBody.map((body) => `${body}-${(Number(checkDigit(body)) + 1) % 10}`),
  fc.constantFrom('', ' ', '12345678', '0-0', '123456789-5', 'abc-d', '1.2.3-4'),
)

const text = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...'abcXYZ0123456789-_ '.split('')), minLength, maxLength })

/** An intent that follows the rules of its line, most of the time. */
const coherentIntent = fc.constantFrom(1, 3, 6).chain((line) =>
  fc.record({
    runAlumno: typedValidRun,
    lineaCapacitacion: fc.constant<number | string>(line),
    codSence:
      line === 1
        ? fc.constantFrom('', '-1')
        : fc.constantFrom('1234567890', ' 1234567890 ', 'ABCDEFGHIJ', '-1'),
    codigoCurso: line === 6 ? text(1, 50) : fc.oneof(text(7, 50), fc.constant('-1')),
    idSesionAlumno: fc.option(text(0, 149), { nil: undefined }),
  }),
)

/** Values that break rules, or sit at their boundaries, to mix into coherent intents. */
const wildFields = fc.record(
  {
    runAlumno: wildRun,
    codSence: fc.oneof(
      fc.constantFrom('', '-1', '123456789', '12345678901', '12345 7890'),
      text(0, 12),
    ),
    codigoCurso: fc.oneof(fc.constantFrom('', '-1', '123456', 'C'.repeat(51)), text(0, 52)),
    lineaCapacitacion: fc.oneof(
      fc.integer({ min: 0, max: 12 }),
      fc.constantFrom('1', '3', ' 6 ', '', '03', 'tres'),
    ),
    idSesionAlumno: fc.constantFrom('i'.repeat(149), 'i'.repeat(150), '  '),
  },
  { requiredKeys: [] },
)

const intent = fc
  .tuple(coherentIntent, fc.option(wildFields, { freq: 3 }))
  .map(([base, wild]) => ({ ...base, ...(wild ?? {}) }))

/** Posts fields to the simulator; returns null when it shows ClaveÚnica (accepted), else its codes. */
async function simulatorCodes(
  gateway: TestGateway,
  environmentPath: 'rcetest' | 'rce',
  fields: Record<string, string>,
): Promise<number[] | null> {
  const response = await gateway.app.inject({
    method: 'POST',
    url: `/simulator/${environmentPath}/Registro/IniciarSesion`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  })
  if (response.body.includes('name="outcome"')) return null
  const [form] = formsOf(response.body)
  if (form === undefined) throw new Error(`simulator answered no form:\n${response.body}`)
  return (form.fields['GlosaError'] ?? '').split(';').map(Number)
}

const sortedUnique = (codes: number[]) => [...new Set(codes)].sort((a, b) => a - b)

t.test('gateway and simulator agree', async (t) => {
  const gateway = await startTestGateway(t, { otec: { senceToken: TOKEN } })
  const production = await gateway.createOtec({ senceToken: TOKEN, environment: 'production' })
  const otecs = {
    test: { apiKey: gateway.otec.apiKey, id: gateway.otec.id, path: 'rcetest' as const },
    production: { apiKey: production.apiKey, id: production.id, path: 'rce' as const },
  }
  const counts = { accepted: 0, rejected: 0 }

  await fc.assert(
    fc.asyncProperty(intent, fc.constantFrom('test', 'production'), async (body, environment) => {
      const otec = otecs[environment as 'test' | 'production']
      const created = await createIntent(gateway, body, otec.apiKey)
      if (created.statusCode === 201) {
        counts.accepted += 1
        // What the browser really carries to SENCE: the launch page's form.
        const launch = onlyFormOf((await getPage(gateway, created.body['startUrl'])).body)
        const codes = await simulatorCodes(gateway, otec.path, launch.fields)
        if (codes !== null) throw new Error(`gateway accepted, simulator answered ${codes}`)
        return
      }

      counts.rejected += 1
      if (created.statusCode !== 422) throw new Error(`gateway answered ${created.statusCode}`)
      const errors = created.body['errors'] as { senceCode: number | null }[]
      const gatewayCodes = errors.map((error) => error.senceCode)
      if (gatewayCodes.includes(null))
        throw new Error(`a rule of the gateway's own: ${JSON.stringify(errors)}`)

      const stored = await gateway.db.prisma.otec.findUniqueOrThrow({ where: { id: otec.id } })
      const fields = loginRequestFields(
        body,
        { rut: stored.rut, senceToken: TOKEN },
        callbackUrls(PUBLIC_BASE_URL, 'A'.repeat(22)),
      )
      const simulator = await simulatorCodes(gateway, otec.path, { ...fields })
      if (simulator === null)
        throw new Error(`gateway rejected ${JSON.stringify(errors)}, simulator accepted`)
      const expected = sortedUnique(gatewayCodes as number[])
      if (JSON.stringify(sortedUnique(simulator)) !== JSON.stringify(expected))
        throw new Error(`gateway gave ${expected}, simulator ${simulator}`)
    }),
    { numRuns: 300 },
  )
  t.ok(counts.accepted > 30, `enough accepted intents (${counts.accepted})`)
  t.ok(counts.rejected > 30, `enough rejected intents (${counts.rejected})`)
})

t.test('normalised RUNs are canonical', async (t) => {
  fc.assert(
    fc.property(validRunBody, fc.boolean(), fc.boolean(), (body, dots, lowerCase) => {
      const digit = checkDigit(body)
      const typed = `${dots ? Number(body).toLocaleString('de-DE') : body}-${lowerCase ? digit.toLowerCase() : digit}`
      const canonical = normalizeRun(typed)
      return (
        canonical === `${body}-${digit}` &&
        runProblem(canonical) === null &&
        normalizeRun(canonical) === canonical
      )
    }),
  )
  t.pass('every typed form of a valid RUN normalises to its canonical form')
})
