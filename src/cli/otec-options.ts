import { parseArgs } from 'node:util'
import { UsageError } from './usage-error.ts'

export const OTEC_USAGE = `usage: sence-gateway otec <subcommand> [options]

subcommands:
  create --rut RUT --name NAME [options]   register an OTEC; prints its first API key
  list [--json]                            every OTEC
  show OTEC [--json]                       one OTEC and its API keys
  update OTEC [options]                    change an OTEC's settings
  rotate-key OTEC [--name NAME] [--revoke-others] [--json]
                                           issue a new API key; --revoke-others
                                           revokes every other key at once
  revoke-key OTEC KEY_ID                   revoke one API key at once

OTEC is the OTEC's id or its RUT.

options of create and update:
  --name NAME
  --environment test|production  SENCE environment (create's default: test);
                                 changing it stops the keys of the other one
  --sence-token TOKEN            the OTEC's SENCE Token; or set SENCE_TOKEN
                                 (create reads it by itself, update with
                                 --sence-token-from-env), which keeps it out
                                 of the shell history
  --return-origin ORIGIN         an origin the LMS's return URLs may use
                                 (repeatable; update replaces the list)
  --add-return-origin ORIGIN     update only: adds an origin (repeatable)
  --remove-return-origin ORIGIN  update only: removes an origin (repeatable)
  --max-session-minutes N        maximum session length (default: 180)
  --webhook-url URL              create only: a webhook endpoint, whose secret
                                 is printed once
  --json                         print JSON: create prints {"id","apiKey","webhookSecret"}`

/** Parses options with node's parseArgs, turning its errors into usage errors. */
export function parseOptions<T extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals })
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${OTEC_USAGE}`)
  }
}

/** Reads --max-session-minutes, which must be a whole number. */
export function minutesOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value.trim()))
    throw new UsageError(`--max-session-minutes must be a whole number, not "${value}"`)
  return Number(value)
}
