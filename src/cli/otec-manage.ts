// `otec list`, `otec show` and `otec update`.

import { listApiKeys, toApiKeyView, type ApiKeyView } from '../otecs/api-keys.ts'
import { toOtecView, type OtecView } from '../otecs/otec-view.ts'
import { updateOtec } from '../otecs/update-otec.ts'
import type { Environment } from '../protocol/fields.ts'
import { minutesOption, OTEC_USAGE, parseOptions } from './otec-options.ts'
import { findOtec, OtecNotFoundError, withQuietRuntime } from './otec-runtime.ts'
import { UsageError } from './usage-error.ts'

export async function runOtecList(args: string[]): Promise<number> {
  const { values } = parseOptions(args, { json: { type: 'boolean' } })
  const otecs = await withQuietRuntime(async (runtime) => {
    const rows = await runtime.db.prisma.otec.findMany({ orderBy: { createdAt: 'asc' } })
    return rows.map(toOtecView)
  })
  if (values.json === true) {
    console.log(JSON.stringify(otecs))
    return 0
  }
  if (otecs.length === 0) console.log('no OTECs yet; register one with `sence-gateway otec create`')
  for (const otec of otecs)
    console.log(`${otec.id}  ${otec.rut.padEnd(10)}  ${otec.environment.padEnd(10)}  ${otec.name}`)
  return 0
}

export async function runOtecShow(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(args, { json: { type: 'boolean' } }, true)
  const reference = onlyPositional(positionals, 'show')
  const shown = await withQuietRuntime(async (runtime) => {
    const otec = await findOtec(runtime.db.prisma, reference)
    const keys = await listApiKeys(runtime.db.prisma, otec.id)
    return { ...toOtecView(otec), apiKeys: keys.map(toApiKeyView) }
  })
  if (values.json === true) console.log(JSON.stringify(shown))
  else printOtec(shown)
  return 0
}

export async function runOtecUpdate(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    {
      name: { type: 'string' },
      environment: { type: 'string' },
      'sence-token': { type: 'string' },
      'sence-token-from-env': { type: 'boolean' },
      'return-origin': { type: 'string', multiple: true },
      'add-return-origin': { type: 'string', multiple: true },
      'remove-return-origin': { type: 'string', multiple: true },
      'max-session-minutes': { type: 'string' },
      json: { type: 'boolean' },
    },
    true,
  )
  const reference = onlyPositional(positionals, 'update')
  const environment = values.environment
  if (environment !== undefined && environment !== 'test' && environment !== 'production')
    throw new UsageError(`--environment must be test or production, not "${environment}"`)
  const senceToken =
    values['sence-token-from-env'] === true ? process.env['SENCE_TOKEN'] : values['sence-token']
  if (values['sence-token-from-env'] === true && senceToken === undefined)
    throw new UsageError('--sence-token-from-env needs the SENCE_TOKEN environment variable')

  const updated = await withQuietRuntime(async (runtime) => {
    const otec = await findOtec(runtime.db.prisma, reference)
    const result = await updateOtec(runtime.db.prisma, runtime.secrets, otec.id, {
      name: values.name,
      environment: environment as Environment | undefined,
      senceToken,
      returnOrigins: values['return-origin'],
      addReturnOrigins: values['add-return-origin'],
      removeReturnOrigins: values['remove-return-origin'],
      maxSessionMinutes: minutesOption(values['max-session-minutes']),
    })
    if (result === null) throw new OtecNotFoundError(reference)
    const keys = await listApiKeys(runtime.db.prisma, otec.id)
    return { view: { ...toOtecView(result.otec), apiKeys: keys.map(toApiKeyView) }, result }
  })

  if (values.json === true) console.log(JSON.stringify(updated.view))
  else printOtec(updated.view)
  if (updated.result.keysOfOtherEnvironment > 0)
    console.error(
      `warning: ${updated.result.keysOfOtherEnvironment} API key(s) of the other environment stop working now; issue a new one with \`sence-gateway otec rotate-key ${updated.view.id}\``,
    )
  return 0
}

function onlyPositional(positionals: string[], subcommand: string): string {
  if (positionals.length !== 1)
    throw new UsageError(`otec ${subcommand} takes one OTEC id or RUT\n${OTEC_USAGE}`)
  return positionals[0] as string
}

function printOtec(otec: OtecView & { apiKeys: ApiKeyView[] }): void {
  console.log(`OTEC ${otec.rut} (${otec.name})`)
  console.log(`  id:                  ${otec.id}`)
  console.log(`  environment:         ${otec.environment}`)
  console.log(
    `  return origins:      ${otec.returnOrigins.join(', ') || '(none: every returnUrl is rejected)'}`,
  )
  console.log(`  max session minutes: ${otec.maxSessionMinutes}`)
  console.log('  API keys:')
  for (const key of otec.apiKeys) {
    const state = key.revokedAt === null ? 'active' : `revoked ${key.revokedAt}`
    console.log(
      `    ${key.id}  ${key.prefix}…  ${state}  last used ${key.lastUsedAt ?? 'never'}  ${key.name ?? ''}`,
    )
  }
}
