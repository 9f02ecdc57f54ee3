import t from 'tap'
import { parseCallback, parseErrorCodes } from '../../src/protocol/callback.ts'

t.test('names and values trimmed', async (t) => {
  const parsed = parseCallback({ 'LineaCapacitacion ': ' 3 ', ' CodSence': '1234567890  ' })
  t.same(parsed.fields, { LineaCapacitacion: '3', CodSence: '1234567890' })
})

t.test('GlosaError decides an error', async (t) => {
  t.equal(parseCallback({ IdSesionSence: '123', GlosaError: '308' }).isError, true)
  t.equal(parseCallback({ IdSesionSence: '', GlosaError: '308' }).isError, true)
  t.equal(parseCallback({ IdSesionSence: '' }).isError, false)
  t.equal(parseCallback({ GlosaError: '  ' }).isError, false, 'blank GlosaError is no error')
  t.equal(parseCallback({ GlosaError: '  ' }).glosaError, null)
})

t.test('several codes kept in order', async (t) => {
  t.same(parseCallback({ GlosaError: '301;302' }).errorCodes, [301, 302])
  t.same(parseCallback({ GlosaError: ' 302 ; 301 ;' }).errorCodes, [302, 301])
  t.same(parseCallback({ GlosaError: '301;301' }).errorCodes, [301, 301], 'repeats kept')
  t.same(parseCallback({ GlosaError: '301, 302 303' }).errorCodes, [301, 302, 303])
  t.equal(parseCallback({ GlosaError: '301;302' }).glosaError, '301;302', 'raw value kept')
})

t.test('non-numeric GlosaError survives', async (t) => {
  const parsed = parseCallback({ GlosaError: 'Error interno' })
  t.equal(parsed.isError, true)
  t.same(parsed.errorCodes, [])
  t.equal(parsed.glosaError, 'Error interno')
  t.same(parseErrorCodes('abc;305;9999999'), [305], 'too long a number is not a code')
})

t.test('unknown fields kept', async (t) => {
  const parsed = parseCallback({ CodSence: '1', Extra: 'x', '': 'no name' })
  t.same(parsed.fields, { CodSence: '1', Extra: 'x' })
})

t.test('repeated fields flagged', async (t) => {
  t.same(parseCallback({ RunAlumno: ['12345678-5', '10000013-K'] }).conflictingFields, [
    'RunAlumno',
  ])
  t.same(parseCallback({ RunAlumno: ['12345678-5', '12345678-5'] }).conflictingFields, [])
  t.same(parseCallback({ RunAlumno: ['12345678-5', '10000013-K'] }).fields, {
    RunAlumno: '12345678-5',
  })
  t.same(
    parseCallback({ RunAlumno: '12345678-5', 'RunAlumno ': '10000013-K' }).conflictingFields,
    ['RunAlumno'],
    'names equal once trimmed',
  )
})

t.test('over-long identifiers flagged', async (t) => {
  t.same(parseCallback({ IdSesionSence: 's'.repeat(149) }).overlongFields, [])
  t.same(parseCallback({ IdSesionSence: 's'.repeat(150) }).overlongFields, ['IdSesionSence'])
  t.same(parseCallback({ RunAlumno: '123456789-55', CodSence: '12345678901' }).overlongFields, [
    'CodSence',
  ])
  t.same(
    parseCallback({ RunAlumno: '12.345.678-5' }).overlongFields,
    [],
    'RunAlumno is compared after normalisation, so dots are allowed',
  )
  t.same(
    parseCallback({ FechaHora: '2024-01-05 10:00:00.123', ZonaHoraria: 'z'.repeat(200) })
      .overlongFields,
    [],
    'FechaHora and ZonaHoraria are kept whatever their length',
  )
})
