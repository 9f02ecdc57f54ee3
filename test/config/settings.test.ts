import t from 'tap'
import { loadSettings, SettingsError } from '../../src/config/settings.ts'

const KEYS = 'k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='

function settingsError(environment: Record<string, string>): SettingsError {
  try {
    loadSettings(environment)
  } catch (error) {
    if (error instanceof SettingsError) return error
    throw error
  }
  throw new Error('expected a SettingsError')
}

t.test('embedded defaults', async (t) => {
  const settings = loadSettings({})
  t.equal(settings.embedded, true)
  t.equal(settings.simulator, true)
  t.equal(settings.webhookAllowPrivateTargets, true)
  t.equal(settings.host, '127.0.0.1')
  t.equal(settings.port, 3000)
  t.equal(settings.publicBaseUrl, 'http://localhost:3000')
  t.equal(settings.pendingTtlSeconds, 1800)
  t.ok(settings.dataDir.endsWith('/data'))
})

t.test('database mode turns simulator off', async (t) => {
  const settings = loadSettings({ DATABASE_URL: 'postgresql://localhost/x', ENCRYPTION_KEYS: KEYS })
  t.equal(settings.embedded, false)
  t.equal(settings.simulator, false)
  t.equal(settings.webhookAllowPrivateTargets, false)
})

t.test('switches accept on/off, 1/0, true/false', async (t) => {
  for (const [value, expected] of [
    ['on', true],
    ['OFF', false],
    ['1', true],
    ['0', false],
    ['true', true],
    ['False', false],
  ] as const) {
    t.equal(loadSettings({ SENCE_SIMULATOR: value }).simulator, expected, value)
  }
})

t.test('callback URL of 100 characters accepted', async (t) => {
  // /cb/ + 22-character ticket + /err adds 30 characters.
  const base = 'https://' + 'a'.repeat(62)
  t.equal(base.length, 70)
  t.equal(loadSettings({ PUBLIC_BASE_URL: base }).publicBaseUrl, base)
})

t.test('callback URL of 101 characters rejected', async (t) => {
  const error = settingsError({ PUBLIC_BASE_URL: 'https://' + 'a'.repeat(63) })
  t.equal(error.problems.length, 1)
  t.match(error.problems[0], /PUBLIC_BASE_URL: the callback URLs it gives are 101 characters long/)
  t.match(error.problems[0], /at most 70 characters/)
})

t.test('every bad setting listed at once', async (t) => {
  const error = settingsError({
    PORT: 'eighty',
    SENCE_SIMULATOR: 'maybe',
    PENDING_TTL_SECONDS: '-5',
    LOG_LEVEL: 'loud',
  })
  t.equal(error.problems.length, 4)
  t.match(error.message, /PORT: expected a whole number \(got "eighty"\)/)
  t.match(error.message, /SENCE_SIMULATOR: expected on\/off, 1\/0 or true\/false \(got "maybe"\)/)
  t.match(error.message, /PENDING_TTL_SECONDS/)
  t.match(error.message, /LOG_LEVEL/)
})

t.test('database mode needs encryption keys', async (t) => {
  const error = settingsError({ DATABASE_URL: 'postgresql://localhost/x' })
  t.match(error.message, /ENCRYPTION_KEYS: missing/)
  t.match(error.message, /generate-key/)
})

t.test('secrets never echoed in errors', async (t) => {
  const error = settingsError({ DATABASE_URL: 'mysql://user:hunter2@db/x', ENCRYPTION_KEYS: KEYS })
  t.match(error.message, /DATABASE_URL: expected a postgresql:\/\/ connection string/)
  t.notMatch(error.message, /hunter2/)
})
