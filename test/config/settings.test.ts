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

t.test('migrate runs without encryption keys', async (t) => {
  const environment = { DATABASE_URL: 'postgresql://localhost/x' }
  const settings = loadSettings(environment, { needsEncryptionKeys: false })
  t.equal(settings.encryptionKeys, undefined)
  t.equal(settings.databaseUrl, 'postgresql://localhost/x')
})

t.test('secrets never echoed in errors', async (t) => {
  const error = settingsError({ DATABASE_URL: 'mysql://user:hunter2@db/x', ENCRYPTION_KEYS: KEYS })
  t.match(error.message, /DATABASE_URL: expected a postgresql:\/\/ connection string/)
  t.notMatch(error.message, /hunter2/)
})

const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://gateway@db.internal/sence_gateway',
  ENCRYPTION_KEYS: KEYS,
  PUBLIC_BASE_URL: 'https://sence.otec.example.cl',
}

t.test('production accepts explicit settings', async (t) => {
  const settings = loadSettings(PRODUCTION)
  t.equal(settings.production, true)
  t.equal(settings.simulator, false)
  t.equal(settings.shutdownTimeoutSeconds, 25)
})

t.test('production rejects embedded mode', async (t) => {
  const error = settingsError({ ...PRODUCTION, DATABASE_URL: '' })
  t.match(error.message, /DATABASE_URL: missing; NODE_ENV=production does not run on the embedded/)
})

t.test('production rejects the simulator', async (t) => {
  const error = settingsError({ ...PRODUCTION, SENCE_SIMULATOR: 'on', SIMULATOR_AUTO_APPROVE: '1' })
  t.equal(error.problems.length, 2)
  t.match(error.problems[0], /^SENCE_SIMULATOR: must be off when NODE_ENV=production/)
  t.match(error.problems[1], /^SIMULATOR_AUTO_APPROVE: must be off/)
})

t.test('production rejects SENCE_BASE_URL at the gateway', async (t) => {
  const error = settingsError({
    ...PRODUCTION,
    SENCE_BASE_URL: 'https://sence.otec.example.cl/simulator',
  })
  t.match(error.message, /SENCE_BASE_URL: points at the gateway itself/)
  const plain = settingsError({ ...PRODUCTION, SENCE_BASE_URL: 'http://sistemas.sence.cl' })
  t.match(plain.message, /SENCE_BASE_URL: must be https/)
})

t.test('production rejects a missing encryption key', async (t) => {
  const error = settingsError({ ...PRODUCTION, ENCRYPTION_KEYS: '' })
  t.equal(error.problems.length, 1)
  t.match(error.problems[0], /^ENCRYPTION_KEYS: missing/)
})

t.test('production rejects http PUBLIC_BASE_URL', async (t) => {
  const error = settingsError({ ...PRODUCTION, PUBLIC_BASE_URL: 'http://sence.otec.example.cl' })
  t.match(error.message, /PUBLIC_BASE_URL: must be https when NODE_ENV=production/)
  t.match(error.message, /PUBLIC_BASE_URL_ALLOW_HTTP=1/)
  const allowed = loadSettings({
    ...PRODUCTION,
    PUBLIC_BASE_URL: 'http://sence.otec.example.cl',
    PUBLIC_BASE_URL_ALLOW_HTTP: '1',
  })
  t.equal(allowed.publicBaseUrl, 'http://sence.otec.example.cl')
})

t.test('production needs PUBLIC_BASE_URL set', async (t) => {
  const error = settingsError({ ...PRODUCTION, PUBLIC_BASE_URL: '' })
  t.match(error.message, /PUBLIC_BASE_URL: missing; NODE_ENV=production needs the https origin/)
})

t.test('outside production http is accepted', async (t) => {
  const settings = loadSettings({ ...PRODUCTION, NODE_ENV: '', SENCE_SIMULATOR: 'on' })
  t.equal(settings.production, false)
  t.equal(settings.simulator, true)
})

t.test('field and production problems listed together', async (t) => {
  const error = settingsError({
    NODE_ENV: 'production',
    PORT: 'eighty',
    SENCE_SIMULATOR: 'on',
    PUBLIC_BASE_URL: 'http://sence.otec.example.cl',
  })
  t.same(error.problems.map((problem) => problem.split(':')[0]).sort(), [
    'DATABASE_URL',
    'ENCRYPTION_KEYS',
    'PORT',
    'PUBLIC_BASE_URL',
    'SENCE_SIMULATOR',
  ])
})

t.test('invalid setting reported once', async (t) => {
  const error = settingsError({ ...PRODUCTION, PUBLIC_BASE_URL: 'ftp://sence.otec.example.cl' })
  t.equal(error.problems.length, 1)
  t.match(error.problems[0], /^PUBLIC_BASE_URL: expected an http\(s\) URL/)
})

t.test('malformed encryption key listed without its value', async (t) => {
  const error = settingsError({
    DATABASE_URL: 'postgresql://localhost/x',
    ENCRYPTION_KEYS: 'k1:c2hvcnQ=',
  })
  t.equal(error.problems.length, 1)
  t.match(
    error.problems[0],
    /^ENCRYPTION_KEYS: key "k1" must be 32 bytes in base64 \(got 5 bytes\)/,
  )
  t.notMatch(error.message, /c2hvcnQ/)
})

t.test('shutdown timeout bounds', async (t) => {
  t.equal(loadSettings({ SHUTDOWN_TIMEOUT_SECONDS: '5' }).shutdownTimeoutSeconds, 5)
  t.match(settingsError({ SHUTDOWN_TIMEOUT_SECONDS: '0' }).message, /SHUTDOWN_TIMEOUT_SECONDS/)
})

t.test('NODE_ENV typo rejected', async (t) => {
  const error = settingsError({ NODE_ENV: 'prod' })
  t.match(error.message, /NODE_ENV: expected production, development or test \(got "prod"\)/)
  t.equal(loadSettings({ NODE_ENV: 'development' }).production, false)
})
