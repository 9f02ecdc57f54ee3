import { parseArgs } from 'node:util'
import { loadSettings } from '../config/settings.ts'
import { createLogger } from '../logging/logger.ts'
import { createOtec, InvalidOtecError } from '../otecs/create-otec.ts'
import { openRuntime } from './runtime.ts'
import { UsageError } from './usage-error.ts'

const USAGE = `usage: sence-gateway otec create --rut RUT --name NAME [options]

options:
  --environment test|production  SENCE environment of the OTEC (default: test)
  --sence-token TOKEN            the OTEC's SENCE Token; or set SENCE_TOKEN, which
                                 keeps it out of the shell history
  --webhook-url URL              creates a webhook endpoint and prints its secret
  --return-origin ORIGIN         an origin the LMS's return URLs may use (repeatable)
  --max-session-minutes N        maximum session length (default: 180)
  --json                         print {"id","apiKey","webhookSecret"} as JSON`

/** Placeholder Token for a test OTEC created without one: the simulator accepts it, SENCE does not. */
const PLACEHOLDER_TOKEN = 'SIN-TOKEN-CONFIGURADO'

/** `sence-gateway otec create ...`. */
export async function runOtec(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args
  if (subcommand === '--help' || subcommand === '-h') {
    console.log(USAGE)
    return 0
  }
  if (subcommand !== 'create')
    throw new UsageError(`unknown otec subcommand "${subcommand ?? ''}"\n${USAGE}`)

  const { values } = parseCreateArgs(rest)
  if (values.rut === undefined || values.name === undefined)
    throw new UsageError(`--rut and --name are required\n${USAGE}`)
  const environment = values.environment ?? 'test'
  if (environment !== 'test' && environment !== 'production')
    throw new UsageError(`--environment must be test or production, not "${environment}"`)
  const maxSessionMinutes =
    values['max-session-minutes'] === undefined ? undefined : Number(values['max-session-minutes'])

  const senceToken = values['sence-token'] ?? process.env['SENCE_TOKEN']
  if (senceToken === undefined && environment === 'production')
    throw new UsageError(
      'a production OTEC needs its SENCE Token: pass --sence-token or set SENCE_TOKEN',
    )

  const settings = loadSettings()
  // Progress goes to stderr, so that --json output on stdout stays parseable.
  const logger = createLogger(
    settings.logLevel === 'info' ? 'warn' : settings.logLevel,
    process.stderr,
  )
  const runtime = await openRuntime(settings, { migrate: false }, logger)
  try {
    const created = await createOtec(runtime.db.prisma, runtime.secrets, {
      rut: values.rut,
      name: values.name,
      environment,
      senceToken: senceToken ?? PLACEHOLDER_TOKEN,
      webhookUrl: values['webhook-url'],
      returnOrigins: values['return-origin'],
      maxSessionMinutes,
    })
    if (values.json === true) {
      console.log(
        JSON.stringify({
          id: created.otec.id,
          apiKey: created.apiKey,
          webhookSecret: created.webhookSecret,
        }),
      )
    } else {
      console.log(
        `OTEC ${created.otec.rut} (${created.otec.name}) created in the ${environment} environment`,
      )
      console.log(`  id:             ${created.otec.id}`)
      console.log(`  API key:        ${created.apiKey}   (shown this once; store it in the LMS)`)
      if (created.webhookSecret !== null)
        console.log(`  webhook secret: ${created.webhookSecret}   (shown this once)`)
    }
    if (senceToken === undefined)
      console.error(
        `warning: no SENCE Token given; the placeholder "${PLACEHOLDER_TOKEN}" works with the simulator only`,
      )
    return 0
  } catch (error) {
    if (error instanceof InvalidOtecError) {
      console.error(`sence-gateway otec create: ${error.problems.join('; ')}`)
      return 1
    }
    throw error
  } finally {
    await runtime.close()
  }
}

function parseCreateArgs(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        rut: { type: 'string' },
        name: { type: 'string' },
        environment: { type: 'string' },
        'sence-token': { type: 'string' },
        'webhook-url': { type: 'string' },
        'return-origin': { type: 'string', multiple: true },
        'max-session-minutes': { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    })
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`)
  }
}
