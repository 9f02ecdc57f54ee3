// The demo staff account of the embedded default, so that the dashboard at
// /admin can be tried at once: created the first time with a random
// password, kept in DATA_DIR/demo-staff.json (mode 0600), and the same on
// every restart.

import { randomBytes } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { createStaffAccount, setStaffPassword } from '../staff/staff-accounts.ts'
import { writePrivateFileOnce, type Runtime } from './runtime.ts'

export const DEMO_STAFF_EMAIL = 'demo@otec.example'

export interface DemoStaff {
  email: string
  password: string
}

export async function ensureDemoStaff(runtime: Runtime, otecId: string): Promise<DemoStaff> {
  const { prisma } = runtime.db
  const filePath = path.join(runtime.settings.dataDir, 'demo-staff.json')
  const account = await prisma.staffAccount.findUnique({ where: { email: DEMO_STAFF_EMAIL } })

  const stored = readStored(filePath)
  if (stored !== null && account !== null) return stored
  rmSync(filePath, { force: true })

  const demo = { email: DEMO_STAFF_EMAIL, password: randomBytes(12).toString('base64url') }
  // The file was lost, so the account's password cannot be read back: it gets a new one.
  if (account === null) await createStaffAccount(prisma, { otecId, name: 'Demo', ...demo })
  else await setStaffPassword(prisma, demo.email, demo.password)
  writePrivateFileOnce(filePath, () => JSON.stringify(demo, null, 2) + '\n')
  return demo
}

function readStored(filePath: string): DemoStaff | null {
  try {
    const value = JSON.parse(readFileSync(filePath, 'utf8')) as Partial<DemoStaff>
    return typeof value.email === 'string' && typeof value.password === 'string'
      ? { email: value.email, password: value.password }
      : null
  } catch {
    return null
  }
}
