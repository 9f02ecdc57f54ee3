import t from 'tap'
import { formatFechaHora, senceInstant } from '../../src/protocol/sence-time.ts'

const iso = (fechaHora: string, zonaHoraria: string) =>
  senceInstant(fechaHora, zonaHoraria).instant?.toISOString() ?? null

t.test('instant in the zone received', async (t) => {
  t.equal(iso('2024-01-05 10:00:00', 'America/Santiago'), '2024-01-05T13:00:00.000Z', 'summer')
  t.equal(iso('2024-07-05 10:00:00', 'America/Santiago'), '2024-07-05T14:00:00.000Z', 'winter')
  t.equal(iso('2024-07-05 10:00:00', 'America/Punta_Arenas'), '2024-07-05T13:00:00.000Z')
  t.equal(iso('2024-07-05 10:00:00', 'UTC'), '2024-07-05T10:00:00.000Z')
  t.equal(senceInstant('2024-07-05 10:00:00', 'UTC').zoneAssumed, false)
})

t.test('server zone is never used', async (t) => {
  const saved = process.env['TZ']
  process.env['TZ'] = 'Asia/Tokyo'
  t.teardown(() => {
    if (saved === undefined) delete process.env['TZ']
    else process.env['TZ'] = saved
  })
  t.equal(iso('2024-01-05 10:00:00', ''), '2024-01-05T13:00:00.000Z')
})

t.test('blank or unknown zone assumes Santiago', async (t) => {
  for (const zone of ['', '   ', 'Hora de Chile', 'Mars/Olympus']) {
    const result = senceInstant('2024-01-05 10:00:00', zone)
    t.equal(result.instant?.toISOString(), '2024-01-05T13:00:00.000Z', JSON.stringify(zone))
    t.equal(result.zone, 'America/Santiago', JSON.stringify(zone))
    t.equal(result.zoneAssumed, true, JSON.stringify(zone))
  }
})

t.test('other ways to name a zone', async (t) => {
  const cases: [string, string][] = [
    ['Pacific SA Standard Time', '2024-07-05T14:00:00.000Z'],
    ['(UTC-04:00) Santiago', '2024-07-05T14:00:00.000Z'],
    ['(UTC-03:00) Punta Arenas', '2024-07-05T13:00:00.000Z'],
    ['Chile/Continental', '2024-07-05T14:00:00.000Z'],
    ['america/santiago', '2024-07-05T14:00:00.000Z'],
    ['CLT', '2024-07-05T14:00:00.000Z'],
    ['UTC-3', '2024-07-05T13:00:00.000Z'],
    ['GMT-3', '2024-07-05T13:00:00.000Z'],
    ['GMT-03:00', '2024-07-05T13:00:00.000Z'],
    ['-03:00', '2024-07-05T13:00:00.000Z'],
    ['UTC', '2024-07-05T10:00:00.000Z'],
  ]
  for (const [zone, expected] of cases) {
    const result = senceInstant('2024-07-05 10:00:00', zone)
    t.equal(result.instant?.toISOString(), expected, zone)
    t.equal(result.zoneAssumed, false, `${zone} is not assumed`)
  }
})

t.test('Chile clock changes give an instant', async (t) => {
  // 2024-04-07 00:00 -03 became 2024-04-06 23:00 -04: 23:30 happened twice.
  t.equal(
    iso('2024-04-06 23:30:00', 'America/Santiago'),
    '2024-04-07T02:30:00.000Z',
    'repeated hour: first occurrence, summer time',
  )
  // 2024-09-08 00:00 -04 became 01:00 -03: 00:30 never happened.
  t.equal(
    iso('2024-09-08 00:30:00', 'America/Santiago'),
    '2024-09-08T04:30:00.000Z',
    'skipped hour: offset before the change',
  )
  t.equal(iso('2024-09-08 01:30:00', 'America/Santiago'), '2024-09-08T04:30:00.000Z')
})

t.test('lenient FechaHora forms', async (t) => {
  const expected = '2024-01-05T12:05:09.000Z'
  t.equal(iso('2024-01-05 09:05:09', ''), expected, 'manual')
  t.equal(iso('2024-1-5 9:05:09', ''), expected, 'one-digit parts')
  t.equal(iso('05-01-2024 09:05:09', ''), expected, 'es-CL day first')
  t.equal(iso('2024-01-05T09:05:09', ''), expected, 'ISO 8601')
  t.equal(iso('2024-01-05 09:05:09.000', ''), expected, 'fractions')
  t.equal(iso('2024-01-05T09:05:09-03:00', 'UTC'), expected, 'offset in the value wins')
})

t.test('unparseable FechaHora is null', async (t) => {
  for (const value of [
    '',
    'ayer',
    '2024-02-30 10:00:00',
    '2024-01-05 25:00:00',
    'x'.repeat(5000),
  ]) {
    t.equal(
      senceInstant(value, 'America/Santiago').instant,
      null,
      JSON.stringify(value.slice(0, 20)),
    )
  }
  t.equal(senceInstant('2024-01-05 10:00:00', 'z'.repeat(5000)).zoneAssumed, true)
})

t.test('formatFechaHora in the manual format', async (t) => {
  t.equal(formatFechaHora(new Date('2024-01-05T13:00:00Z')), '2024-01-05 10:00:00')
  t.equal(formatFechaHora(new Date('2024-07-05T14:00:00Z'), 'UTC'), '2024-07-05 14:00:00')
})
