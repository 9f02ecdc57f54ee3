// Runs once before the test files (tap's `before`): recreates the template
// database and applies the migrations to it, so that every test file can
// copy a migrated database in milliseconds.

import { applyMigrations } from '../../src/persistence/migrations.ts'
import { databaseUrl, TEMPLATE_DATABASE, withAdminClient } from '../helpers/test-database.ts'

await withAdminClient(async (client) => {
  await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`)
  await client.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`)
})
const quiet = { info: () => {}, debug: () => {} }
await applyMigrations(databaseUrl(TEMPLATE_DATABASE), quiet)
