// `sence-gateway otec ...`: OTECs and their API keys from a shell. The
// admin API (/v1/admin) does the same over HTTP.

import { createOtec, InvalidOtecError, OtecExistsError } from '../otecs/create-otec.ts'
import { runOtecList, runOtecShow, runOtecUpdate } from './otec-manage.ts'
import { runRevokeKey, runRotateKey } from './otec-keys.ts'
import { minutesOption, OTEC_USAGE, parseOptions } from './otec-options.ts'
import { OtecNotFoundError, withQuietRuntime } from './otec-runtime.ts'
import { UsageError } from './usage-error.ts'

/** Placeholder Token for a test OTEC created without one: the simulator accepts it, SENCE does not. */
const PLACEHOLDER_TOKEN = 'SIN-TOKEN-CONFIGURADO'

/** `sence-gateway otec <subcommand>`; returns the exit code. */
export async function runOtec(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args
  try {
    switch (subcommand) {
      case 'create':
        return await runOtecCreate(rest)
      case 'list':
        return await runOtecList(rest)
      case 'show':
        return await runOtecShow(rest)
      case 'update':
        return await runOtecUpdate(rest)
      case 'rotate-key':
        return await runRotateKey(rest)
      case 'revoke-key':
        return await runRevokeKey(rest)
      case '--help':
      case '-h':
        console.log(OTEC_USAGE)
        return 0
      default:
        throw new UsageError(`unknown otec subcommand "${subcommand ?? ''}"\n${OTEC_USAGE}`)
    }
  } catch (error) {
    const prefix = `sence-gateway otec ${subcommand}`
    if (error instanceof InvalidOtecError) {
      console.error(`${prefix}: ${error.problems.map((problem) => problem.detail).join('; ')}`)
      return 1
    }
    if (error instanceof OtecExistsError || error instanceof OtecNotFoundError) {
      console.error(`${prefix}: ${error.message}`)
      return 1
    }
    throw error
  }
}

async function runOtecCreate(args: string[]): Promise<number> {
  const { values } = parseOptions(args, {
    rut: { type: 'string' },
    name: { type: 'string' },
    environment: { type: 'string' },
    'sence-token': { type: 'string' },
    'webhook-url': { type: 'string' },
    'return-origin': { type: 'string', multiple: true },
    'max-session-minutes': { type: 'string' },
    json: { type: 'boolean' },
  })
  if (values.rut === undefined || values.name === undefined)
    throw new UsageError(`--rut and --name are required\n${OTEC_USAGE}`)
  const environment = values.environment ?? 'test'
  if (environment !== 'test' && environment !== 'production')
    throw new UsageError(`--environment must be test or production, not "${environment}"`)
  const maxSessionMinutes = minutesOption(values['max-session-minutes'])

  const senceToken = values['sence-token'] ?? process.env['SENCE_TOKEN']
  if (senceToken === undefined && environment === 'production')
    throw new UsageError(
      'a production OTEC needs its SENCE Token: pass --sence-token or set SENCE_TOKEN',
    )

  const created = await withQuietRuntime((runtime) =>
    createOtec(runtime.db.prisma, runtime.secrets, {
      rut: values.rut as string,
      name: values.name as string,
      environment,
      senceToken: senceToken ?? PLACEHOLDER_TOKEN,
      webhookUrl: values['webhook-url'],
      returnOrigins: values['return-origin'],
      maxSessionMinutes,
    }),
  )
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
    if (created.otec.returnOrigins.length === 0)
      console.error(
        'warning: no return origins; every returnUrl is rejected until one is added with `otec update --add-return-origin`',
      )
  }
  if (senceToken === undefined)
    console.error(
      `warning: no SENCE Token given; the placeholder "${PLACEHOLDER_TOKEN}" works with the simulator only`,
    )
  return 0
}
