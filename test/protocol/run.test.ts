import t from 'tap'
import { checkDigit, maskRun, normalizeRun, runProblem } from '../../src/protocol/run.ts'

t.test('normalizeRun canonical forms', async (t) => {
  const cases: [string, string][] = [
    ['12.345.678-5', '12345678-5'],
    ['12345678-5', '12345678-5'],
    ['123456785', '12345678-5'],
    [' 12 345 678-5 ', '12345678-5'],
    ['10.000.013-k', '10000013-K'],
    ['10000013k', '10000013-K'],
    ['076.543.210-3', '76543210-3'],
  ]
  for (const [input, expected] of cases) t.equal(normalizeRun(input), expected, input)
})

t.test('checkDigit modulo 11', async (t) => {
  t.equal(checkDigit('12345678'), '5')
  t.equal(checkDigit('10000013'), 'K')
  t.equal(checkDigit('76543210'), '3')
  t.equal(checkDigit('11111111'), '1')
})

t.test('runProblem format and digit', async (t) => {
  t.equal(runProblem('12345678-5'), null)
  t.equal(runProblem('10000013-K'), null)
  t.equal(runProblem('12345678-4'), 'check_digit')
  t.equal(runProblem('12.345.678-5'), 'format')
  t.equal(runProblem('123456789-5'), 'format')
  t.equal(runProblem('0-0'), 'format')
  t.equal(runProblem(''), 'format')
  t.equal(runProblem('abc'), 'format')
})

t.test('maskRun keeps last digits', async (t) => {
  t.equal(maskRun('12345678-5'), '*****678-5')
  t.equal(maskRun('1000013-K'), '****013-K')
  t.equal(maskRun('nonsense'), '***')
})

t.test('normalizeRun typographic dashes', async (t) => {
  t.equal(normalizeRun('12.345.678‐5'), '12345678-5', 'hyphen U+2010')
  t.equal(normalizeRun('12345678–5'), '12345678-5', 'en dash')
  t.equal(normalizeRun('12345678−5'), '12345678-5', 'minus sign')
})

t.test('normalizeRun leaves garbage for validation', async (t) => {
  t.equal(normalizeRun(''), '')
  t.equal(normalizeRun('abc'), 'abc')
  t.equal(runProblem(normalizeRun('12-345-678-5')), 'format')
})

t.test('runProblem accepts lower-case k', async (t) => {
  t.equal(runProblem('10000013-k'), null)
  t.equal(runProblem('12345678-k'), 'check_digit')
})
