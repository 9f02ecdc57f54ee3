// Every SENCE rule at its boundary: the longest value that passes and the
// shortest that fails, each line, each environment, start and close.

import t from 'tap'
import type { CloseRequestFields, Environment, Operation } from '../../src/protocol/fields.ts'
import { checkRequestFields, type RequestFieldName } from '../../src/protocol/rules.ts'

const VALID: CloseRequestFields = {
  RutOtec: '76543210-3',
  Token: '12345678-1234-1234-1234-123456789',
  CodSence: '1234567890',
  CodigoCurso: '1234567',
  LineaCapacitacion: '3',
  RunAlumno: '12345678-5',
  IdSesionAlumno: 'lms-session-42',
  IdSesionSence: '987654321',
  UrlRetoma: 'https://gateway.example.cl/cb/ticket/ok',
  UrlError: 'https://gateway.example.cl/cb/ticket/err',
}

/** Returns an https URL of exactly `length` characters. */
function urlOfLength(length: number): string {
  const prefix = 'https://gateway.example.cl/'
  return prefix + 'a'.repeat(length - prefix.length)
}

type Changes = Partial<Record<RequestFieldName, string | undefined>>

interface Case {
  name: string
  changes: Changes
  environment?: Environment
  operation?: Operation
  /** `Field:code` of every expected violation, in the manual's field order. */
  expected: string[]
}

function violationsOf(changes: Changes, environment: Environment, operation: Operation): string[] {
  const fields: Partial<Record<RequestFieldName, string>> = { ...VALID }
  for (const [name, value] of Object.entries(changes) as [RequestFieldName, string | undefined][]) {
    if (value === undefined) delete fields[name]
    else fields[name] = value
  }
  return checkRequestFields(fields, environment, operation).map(
    (violation) => `${violation.field}:${violation.senceCode}`,
  )
}

const cases: Case[] = [
  { name: 'valid start', changes: {}, expected: [] },
  { name: 'valid close', changes: {}, operation: 'CerrarSesion', expected: [] },
  { name: 'valid start in production', changes: {}, environment: 'production', expected: [] },

  // 200: required and not blank; a misspelt name is a missing field.
  { name: 'RutOtec missing', changes: { RutOtec: undefined }, expected: ['RutOtec:200'] },
  { name: 'Token blank', changes: { Token: '   ' }, expected: ['Token:200'] },
  { name: 'CodSence blank in line 3', changes: { CodSence: '' }, expected: ['CodSence:200'] },
  {
    name: 'CodigoCurso missing',
    changes: { CodigoCurso: undefined },
    expected: ['CodigoCurso:200'],
  },
  { name: 'line blank', changes: { LineaCapacitacion: ' ' }, expected: ['LineaCapacitacion:200'] },
  { name: 'RunAlumno missing', changes: { RunAlumno: undefined }, expected: ['RunAlumno:200'] },
  {
    name: 'IdSesionAlumno blank',
    changes: { IdSesionAlumno: '  ' },
    expected: ['IdSesionAlumno:200'],
  },
  {
    name: 'IdSesionSence missing on close',
    changes: { IdSesionSence: undefined },
    operation: 'CerrarSesion',
    expected: ['IdSesionSence:200'],
  },
  {
    name: 'IdSesionSence not needed to start',
    changes: { IdSesionSence: undefined },
    expected: [],
  },

  // 201-203: return URLs present and well formed, at most 100 characters.
  { name: 'UrlRetoma blank', changes: { UrlRetoma: '' }, expected: ['UrlRetoma:201'] },
  { name: 'UrlError missing', changes: { UrlError: undefined }, expected: ['UrlError:201'] },
  { name: 'UrlRetoma of 100', changes: { UrlRetoma: urlOfLength(100) }, expected: [] },
  {
    name: 'UrlRetoma of 101',
    changes: { UrlRetoma: urlOfLength(101) },
    expected: ['UrlRetoma:202'],
  },
  { name: 'UrlError of 100', changes: { UrlError: urlOfLength(100) }, expected: [] },
  { name: 'UrlError of 101', changes: { UrlError: urlOfLength(101) }, expected: ['UrlError:203'] },
  {
    name: 'UrlRetoma not http',
    changes: { UrlRetoma: 'ftp://lms.cl/x' },
    expected: ['UrlRetoma:202'],
  },
  { name: 'UrlRetoma relative', changes: { UrlRetoma: '/cb/x/ok' }, expected: ['UrlRetoma:202'] },
  {
    name: 'UrlError with a space',
    changes: { UrlError: 'https://lms.cl/a b' },
    expected: ['UrlError:203'],
  },
  {
    name: 'UrlRetoma with a query',
    changes: { UrlRetoma: 'https://lms.cl/ok?a=1&b=2' },
    expected: [],
  },

  // 204: CodSence by line.
  {
    name: 'CodSence of 9 in line 3',
    changes: { CodSence: '123456789' },
    expected: ['CodSence:204'],
  },
  {
    name: 'CodSence of 11 in line 3',
    changes: { CodSence: '12345678901' },
    expected: ['CodSence:204'],
  },
  {
    name: 'CodSence with a space',
    changes: { CodSence: '12345 7890' },
    expected: ['CodSence:204'],
  },
  {
    name: 'CodSence blank in line 1',
    changes: { CodSence: '', LineaCapacitacion: '1' },
    expected: [],
  },
  {
    name: 'CodSence given in line 1',
    changes: { LineaCapacitacion: '1' },
    expected: ['CodSence:204'],
  },
  {
    name: 'CodSence of 10 in line 6',
    changes: { LineaCapacitacion: '6' },
    expected: [],
  },
  {
    name: 'CodSence blank in line 6',
    changes: { CodSence: '', LineaCapacitacion: '6' },
    expected: ['CodSence:200'],
  },

  // 205: CodigoCurso, at least 7 except line 6, at most 50.
  {
    name: 'CodigoCurso of 6 in line 3',
    changes: { CodigoCurso: '123456' },
    expected: ['CodigoCurso:205'],
  },
  {
    name: 'CodigoCurso of 6 in line 1',
    changes: { CodigoCurso: '123456', CodSence: '', LineaCapacitacion: '1' },
    expected: ['CodigoCurso:205'],
  },
  {
    name: 'CodigoCurso of 1 in line 6',
    changes: { CodigoCurso: '1', LineaCapacitacion: '6' },
    expected: [],
  },
  { name: 'CodigoCurso of 50', changes: { CodigoCurso: 'C'.repeat(50) }, expected: [] },
  {
    name: 'CodigoCurso of 51',
    changes: { CodigoCurso: 'C'.repeat(51) },
    expected: ['CodigoCurso:205'],
  },
  {
    name: 'CodigoCurso of 51 in line 6',
    changes: { CodigoCurso: 'C'.repeat(51), LineaCapacitacion: '6' },
    expected: ['CodigoCurso:205'],
  },
  {
    name: 'SIC code in line 1',
    changes: { CodigoCurso: 'RLAB-19-02-08-0071-1', CodSence: '', LineaCapacitacion: '1' },
    expected: [],
  },

  // 206: the line is 1, 3 or 6.
  ...['0', '2', '4', '5', '7', '13', '-1', '3.0', 'tres', '99999'].map((line) => ({
    name: `line ${line}`,
    changes: { LineaCapacitacion: line },
    expected: ['LineaCapacitacion:206'],
  })),
  { name: 'line with spaces', changes: { LineaCapacitacion: ' 3 ' }, expected: [] },
  {
    name: 'invalid line keeps code checks',
    changes: { LineaCapacitacion: '4', CodSence: '', CodigoCurso: '123456' },
    expected: ['CodigoCurso:205', 'LineaCapacitacion:206'],
  },

  // 207 and 209: RUN and RUT format and check digit, at most 10 characters.
  { name: 'RutOtec of 10', changes: { RutOtec: '76543210-3' }, expected: [] },
  { name: 'RutOtec of 11', changes: { RutOtec: '176543210-3' }, expected: ['RutOtec:209'] },
  { name: 'RutOtec check digit', changes: { RutOtec: '76543210-4' }, expected: ['RutOtec:209'] },
  { name: 'RutOtec with dots', changes: { RutOtec: '76.543.210-3' }, expected: ['RutOtec:209'] },
  {
    name: 'RunAlumno check digit',
    changes: { RunAlumno: '12345678-4' },
    expected: ['RunAlumno:207'],
  },
  {
    name: 'RunAlumno with dots',
    changes: { RunAlumno: '12.345.678-5' },
    expected: ['RunAlumno:207'],
  },
  {
    name: 'RunAlumno without dash',
    changes: { RunAlumno: '123456785' },
    expected: ['RunAlumno:207'],
  },
  { name: 'RunAlumno of 11', changes: { RunAlumno: '012345678-5' }, expected: ['RunAlumno:207'] },
  { name: 'RunAlumno zero', changes: { RunAlumno: '0-0' }, expected: ['RunAlumno:207'] },
  { name: 'RunAlumno with K', changes: { RunAlumno: '10000013-K' }, expected: [] },
  { name: 'RunAlumno with k', changes: { RunAlumno: '10000013-k' }, expected: [] },
  { name: 'RunAlumno of 9', changes: { RunAlumno: '1234567-4' }, expected: [] },

  // Token: not blank and at most 36 (the manual's own example has 33).
  { name: 'Token of 36', changes: { Token: 'T'.repeat(36) }, expected: [] },
  { name: 'Token of 37', changes: { Token: 'T'.repeat(37) }, expected: ['Token:303'] },
  { name: 'Token of 1', changes: { Token: 'T' }, expected: [] },

  // IdSesionAlumno and IdSesionSence: at most 149.
  { name: 'IdSesionAlumno of 149', changes: { IdSesionAlumno: 'i'.repeat(149) }, expected: [] },
  {
    name: 'IdSesionAlumno of 150',
    changes: { IdSesionAlumno: 'i'.repeat(150) },
    expected: ['IdSesionAlumno:200'],
  },
  {
    name: 'IdSesionSence of 149',
    changes: { IdSesionSence: 's'.repeat(149) },
    operation: 'CerrarSesion',
    expected: [],
  },
  {
    name: 'IdSesionSence of 150',
    changes: { IdSesionSence: 's'.repeat(150) },
    operation: 'CerrarSesion',
    expected: ['IdSesionSence:200'],
  },

  // Several rules at once: every one, in the manual's field order.
  {
    name: 'every field broken',
    changes: {
      RutOtec: '1-1',
      Token: '',
      CodSence: '1',
      CodigoCurso: '1',
      LineaCapacitacion: '3',
      RunAlumno: 'x',
      IdSesionAlumno: '',
      IdSesionSence: '',
      UrlRetoma: 'nope',
      UrlError: '',
    },
    operation: 'CerrarSesion',
    expected: [
      'RutOtec:209',
      'Token:200',
      'CodSence:204',
      'CodigoCurso:205',
      'RunAlumno:207',
      'IdSesionAlumno:200',
      'IdSesionSence:200',
      'UrlRetoma:202',
      'UrlError:201',
    ],
  },
]

t.test('rules at their boundaries', async (t) => {
  for (const testCase of cases) {
    t.same(
      violationsOf(
        testCase.changes,
        testCase.environment ?? 'test',
        testCase.operation ?? 'IniciarSesion',
      ),
      testCase.expected,
      testCase.name,
    )
  }
})

t.test('-1 codes by environment and line', async (t) => {
  for (const operation of ['IniciarSesion', 'CerrarSesion'] as const) {
    for (const line of ['1', '3', '6']) {
      const changes = { CodSence: '-1', CodigoCurso: '-1', LineaCapacitacion: line }
      const where = `${operation}, line ${line}`
      t.same(violationsOf(changes, 'test', operation), [], `test accepts -1, ${where}`)
      t.same(
        violationsOf(changes, 'production', operation),
        ['CodSence:204', 'CodigoCurso:205'],
        `production rejects -1, ${where}`,
      )
    }
  }
  t.same(
    violationsOf(
      { CodSence: '', CodigoCurso: '-1', LineaCapacitacion: '1' },
      'test',
      'IniciarSesion',
    ),
    [],
    'line 1 test values of Anexo 5',
  )
})

t.test('every violation has a Spanish detail', async (t) => {
  const violations = checkRequestFields({ LineaCapacitacion: 'x' }, 'production', 'CerrarSesion')
  t.equal(violations.length, 9, 'one per field but CodSence, whose rule depends on the line')
  for (const violation of violations) {
    t.match(violation.detail, /[a-záéíóú]{3,}.*\.$/, `${violation.field} detail is a sentence`)
  }
})
