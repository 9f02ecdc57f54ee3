import { readFileSync } from 'node:fs'
import { parseEnv } from 'node:util'
import t from 'tap'
import { loadSettings, SETTING_NAMES } from '../../src/config/settings.ts'
import { generateEncryptionKey } from '../../src/security/secret-box.ts'

const EXAMPLE_PATH = new URL('../../.env.example', import.meta.url)
const exampleText = readFileSync(EXAMPLE_PATH, 'utf8')
const example = parseEnv(exampleText) as Record<string, string>

/** Read by docker-compose.yml only, to build DATABASE_URL. */
const COMPOSE_ONLY = ['POSTGRES_PASSWORD']

t.test('every setting documented', async (t) => {
  for (const name of SETTING_NAMES) t.ok(name in example, `${name} is in .env.example`)
})

t.test('every example line a setting', async (t) => {
  for (const name of Object.keys(example))
    t.ok(SETTING_NAMES.includes(name) || COMPOSE_ONLY.includes(name), `${name} is read`)
})

t.test('every setting has a comment', async (t) => {
  const lines = exampleText.split('\n')
  for (const name of Object.keys(example)) {
    const index = lines.findIndex((line) => line.startsWith(`${name}=`))
    // HOST and PORT share one comment.
    const above = lines.slice(Math.max(0, index - 2), index).join('\n')
    t.match(above, /^#/m, `${name} has a comment above it`)
  }
})

t.test('example valid in production once keyed', async (t) => {
  const settings = loadSettings({ ...example, ENCRYPTION_KEYS: generateEncryptionKey('k1') })
  t.equal(settings.production, true)
  t.equal(settings.simulator, false)
  t.equal(settings.embedded, false)
})

t.test('example as shipped lacks only the key', async (t) => {
  t.throws(() => loadSettings(example), /ENCRYPTION_KEYS: missing/)
})
