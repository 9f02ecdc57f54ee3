// docker-compose.yml, checked without a Docker engine. After the variable
// interpolation that `docker compose` does with .env, it is validated
// against the Compose Specification's JSON schema (the copy that dclint 3
// ships, in node_modules/dclint/schemas/compose.schema.json). dclint lints
// it, and the tests read the start-up order that docs/operations.md states.

import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseEnv } from 'node:util'
import { Ajv } from 'ajv'
import t from 'tap'
import { parse } from 'yaml'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const require = createRequire(import.meta.url)
const DCLINT_ROOT = path.dirname(require.resolve('dclint/package.json'))
const composeSchema = JSON.parse(
  readFileSync(path.join(DCLINT_ROOT, 'schemas', 'compose.schema.json'), 'utf8'),
)
const draft07 = require('ajv/dist/refs/json-schema-draft-07.json')
const composeText = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')
const envExample = parseEnv(readFileSync(path.join(ROOT, '.env.example'), 'utf8')) as Record<
  string,
  string
>

/**
 * Replaces ${NAME}, ${NAME:?message} and ${NAME:-default} as Compose does,
 * and lists the names that have no value.
 */
function interpolate(text: string, variables: Record<string, string>) {
  const missing: string[] = []
  const result = text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (_match, name: string, operator: string | undefined, argument: string | undefined) => {
      const value = variables[name]
      if (value !== undefined && value !== '') return value
      if (operator?.endsWith('-')) return argument ?? ''
      missing.push(name)
      return ''
    },
  )
  return { result, missing }
}

function validate(document: unknown) {
  const ajv = new Ajv({ allErrors: true, strict: false })
  // The schema names draft-07 by its https URL, and Ajv registers it under the http one.
  ajv.addMetaSchema(draft07, 'https://json-schema.org/draft-07/schema')
  const check = ajv.compile(composeSchema)
  const valid = check(document)
  return { valid, errors: check.errors ?? [] }
}

const interpolated = interpolate(composeText, envExample)
const compose = parse(interpolated.result) as Record<string, any>

t.test('compose variables all in .env.example', async (t) => {
  t.same(interpolated.missing, [])
})

t.test('compose valid against the Compose schema', async (t) => {
  t.equal(composeSchema.title, 'Compose Specification')
  const { valid, errors } = validate(compose)
  t.same(errors, [])
  t.equal(valid, true)
})

t.test('schema rejects an invalid compose file', async (t) => {
  const broken = structuredClone(compose)
  broken.services.gateway.depends_on.migrate.condition = 'when_ready'
  broken.services.gateway.restrat = 'always'
  const { valid, errors } = validate(broken)
  t.equal(valid, false)
  t.ok(errors.length >= 2, 'both mistakes reported')
})

t.test('dclint finds no problem', async (t) => {
  const lint = spawnSync(
    process.execPath,
    [path.join(DCLINT_ROOT, 'bin', 'dclint.cjs'), 'docker-compose.yml', '--formatter', 'json'],
    { cwd: ROOT, encoding: 'utf8' },
  )
  t.equal(lint.status, 0, 'dclint exits 0')
  const [result] = JSON.parse(lint.stdout) as { errorCount: number; warningCount: number }[]
  t.equal(result?.errorCount, 0)
  t.equal(result?.warningCount, 0)
})

t.test('postgres keeps its data and reports health', async (t) => {
  const postgres = compose.services.postgres
  t.match(postgres.image, /^postgres:15/)
  t.ok(postgres.volumes.includes('postgres-data:/var/lib/postgresql/data'), 'named volume')
  t.ok('postgres-data' in compose.volumes)
  t.match(postgres.healthcheck.test.join(' '), /pg_isready/)
})

t.test('migrate runs once postgres is healthy', async (t) => {
  const migrate = compose.services.migrate
  t.same(migrate.command, ['migrate'])
  t.equal(migrate.depends_on.postgres.condition, 'service_healthy')
  t.equal(migrate.restart, 'no')
  t.equal(migrate.env_file, '.env')
})

t.test('gateway serves after the migrations', async (t) => {
  const gateway = compose.services.gateway
  t.same(gateway.command, ['serve'])
  t.equal(gateway.depends_on.migrate.condition, 'service_completed_successfully')
  t.equal(gateway.depends_on.postgres.condition, 'service_healthy')
  t.equal(gateway.env_file, '.env')
  t.equal(gateway.environment.DATABASE_URL, compose.services.migrate.environment.DATABASE_URL)
  t.same(gateway.healthcheck.test, ['CMD', 'node', 'docker/healthcheck.js', '/readyz'])
})

t.test('compose outwaits the graceful shutdown', async (t) => {
  const grace = /^(\d+)s$/.exec(compose.services.gateway.stop_grace_period)
  t.ok(grace, 'stop_grace_period in seconds')
  const shutdownTimeout = Number(envExample['SHUTDOWN_TIMEOUT_SECONDS'])
  t.ok(Number(grace?.[1]) >= shutdownTimeout + 5, 'at least 5 s more than SHUTDOWN_TIMEOUT_SECONDS')
})
