// `sence-gateway staff ...`: the accounts of OTEC staff for the admin
// dashboard at /admin. Passwords are read from stdin (see read-password.ts).

import { parseArgs } from 'node:util'
import {
  createStaffAccount,
  deleteStaffAccount,
  InvalidStaffAccountError,
  listStaffAccounts,
  setStaffPassword,
  StaffAccountExistsError,
} from '../staff/staff-accounts.ts'
import { findOtec, OtecNotFoundError, withQuietRuntime } from './otec-runtime.ts'
import { readPassword } from './read-password.ts'
import { UsageError } from './usage-error.ts'

const USAGE = `usage: sence-gateway staff <subcommand> [options]

subcommands:
  create --otec OTEC --email EMAIL [--name NAME]
                              create an account that signs in at /admin and
                              sees that OTEC's data only
  list --otec OTEC [--json]   the OTEC's accounts
  set-password --email EMAIL  replace the password, lift a lock-out and sign
                              out every browser of the account
  delete --email EMAIL        delete the account and its sessions

OTEC is the OTEC's id or its RUT. The password is read from stdin: typed
twice without echo on a terminal, or the first line of a pipe
(printf '%s\\n' "$PASSWORD" | sence-gateway staff create ...). It must have
at least 12 characters.`

const OPTIONS = {
  otec: { type: 'string' },
  email: { type: 'string' },
  name: { type: 'string' },
  json: { type: 'boolean' },
} as const

/** `sence-gateway staff <subcommand>`; returns the exit code. */
export async function runStaff(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h') {
    console.log(USAGE)
    return subcommand === undefined ? 2 : 0
  }
  const values = parseStaffOptions(rest)
  try {
    switch (subcommand) {
      case 'create':
        return await runCreate(values)
      case 'list':
        return await runList(values)
      case 'set-password':
        return await runSetPassword(values)
      case 'delete':
        return await runDelete(values)
      default:
        throw new UsageError(`unknown staff subcommand "${subcommand}"\n${USAGE}`)
    }
  } catch (error) {
    if (
      error instanceof InvalidStaffAccountError ||
      error instanceof StaffAccountExistsError ||
      error instanceof OtecNotFoundError
    ) {
      console.error(`sence-gateway staff ${subcommand}: ${error.message}`)
      return 1
    }
    throw error
  }
}

type Values = ReturnType<typeof parseStaffOptions>

function parseStaffOptions(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, strict: true }).values
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`)
  }
}

function required(value: string | undefined, option: string): string {
  if (value === undefined || value.trim() === '')
    throw new UsageError(`${option} is required\n${USAGE}`)
  return value
}

async function runCreate(values: Values): Promise<number> {
  const reference = required(values.otec, '--otec')
  const email = required(values.email, '--email')
  const password = await readPassword(`password for ${email}`)
  const account = await withQuietRuntime(async (runtime) => {
    const otec = await findOtec(runtime.db.prisma, reference)
    return createStaffAccount(runtime.db.prisma, {
      otecId: otec.id,
      email,
      name: values.name,
      password,
    })
  })
  console.log(`staff account ${account.email} created (id ${account.id}); it signs in at /admin`)
  return 0
}

async function runList(values: Values): Promise<number> {
  const reference = required(values.otec, '--otec')
  const accounts = await withQuietRuntime(async (runtime) => {
    const otec = await findOtec(runtime.db.prisma, reference)
    return listStaffAccounts(runtime.db.prisma, otec.id)
  })
  const now = new Date()
  const views = accounts.map((account) => ({
    id: account.id,
    email: account.email,
    name: account.name,
    lastSignInAt: account.lastSignInAt?.toISOString() ?? null,
    lockedUntil:
      account.lockedUntil !== null && account.lockedUntil > now
        ? account.lockedUntil.toISOString()
        : null,
  }))
  if (values.json === true) {
    console.log(JSON.stringify(views))
    return 0
  }
  if (views.length === 0)
    console.log('no staff accounts; create one with `sence-gateway staff create`')
  for (const view of views) {
    const locked = view.lockedUntil === null ? '' : `  locked until ${view.lockedUntil}`
    console.log(`${view.email}  last sign-in ${view.lastSignInAt ?? 'never'}${locked}`)
  }
  return 0
}

async function runSetPassword(values: Values): Promise<number> {
  const email = required(values.email, '--email')
  const password = await readPassword(`new password for ${email}`)
  const account = await withQuietRuntime((runtime) =>
    setStaffPassword(runtime.db.prisma, email, password),
  )
  if (account === null) {
    console.error(`sence-gateway staff set-password: no staff account has the address ${email}`)
    return 1
  }
  console.log(`password of ${account.email} replaced; its browsers were signed out`)
  return 0
}

async function runDelete(values: Values): Promise<number> {
  const email = required(values.email, '--email')
  const deleted = await withQuietRuntime((runtime) => deleteStaffAccount(runtime.db.prisma, email))
  if (!deleted) {
    console.error(`sence-gateway staff delete: no staff account has the address ${email}`)
    return 1
  }
  console.log(`staff account ${email} deleted`)
  return 0
}
