// The `sence-gateway` command: parses the subcommand and hands over.

import { SettingsError } from '../config/settings.ts'
import { runGenerateKey } from './generate-key.ts'
import { runMigrate } from './migrate.ts'
import { runOtec } from './otec.ts'
import { runResealSecrets } from './reseal-secrets.ts'
import { runServe } from './serve.ts'
import { runStaff } from './staff.ts'
import { UsageError } from './usage-error.ts'
import { runWebhook } from './webhook.ts'
import { runWorker } from './worker.ts'

const USAGE = `usage: sence-gateway <command> [options]

commands:
  serve [--migrate] [--no-worker]
                        start the HTTP server and the webhook worker (--migrate:
                        apply migrations first; --no-worker: HTTP only)
  worker                send webhooks only; run any number of them
  migrate               apply pending database migrations, then exit
  otec <subcommand>     register, list, update OTECs and rotate their API keys;
                        see "sence-gateway otec --help"
  webhook <subcommand>  manage webhook endpoints and deliveries; see "sence-gateway webhook --help"
  staff <subcommand>    accounts of OTEC staff for the dashboard at /admin;
                        see "sence-gateway staff --help"
  generate-key          print a new ENCRYPTION_KEYS entry
  reseal-secrets [--dry-run]
                        re-seal stored secrets with the first ENCRYPTION_KEYS key

Settings come from the environment; see .env.example.`

/** Runs the command line and returns the process's exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'serve':
        return await runServe(rest)
      case 'migrate':
        return await runMigrate(rest)
      case 'otec':
        return await runOtec(rest)
      case 'worker':
        return await runWorker(rest)
      case 'webhook':
        return await runWebhook(rest)
      case 'staff':
        return await runStaff(rest)
      case 'generate-key':
        return runGenerateKey(rest)
      case 'reseal-secrets':
        return await runResealSecrets(rest)
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        console.log(USAGE)
        return command === undefined ? 2 : 0
      default:
        console.error(`unknown command "${command}"\n\n${USAGE}`)
        return 2
    }
  } catch (error) {
    if (error instanceof SettingsError || error instanceof UsageError) {
      console.error(`sence-gateway ${command}: ${error.message}`)
      return 2
    }
    // Operational failures (database unreachable, DATA_DIR in use) get one
    // readable line; the stack is for LOG_LEVEL=debug.
    const message = error instanceof Error ? error.message : String(error)
    console.error(`sence-gateway ${command} failed: ${message}`)
    if (process.env['LOG_LEVEL'] === 'debug' || process.env['LOG_LEVEL'] === 'trace')
      console.error(error)
    return 1
  }
}
