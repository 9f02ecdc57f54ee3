// The demo OTEC of the embedded default: created the first time, then the
// same one, with the same API key, on every restart.

import { readFileSync, rmSync } from 'node:fs'
import path from 'node:path'
import { createOtec } from '../otecs/create-otec.ts'
import { apiKeyDisplayPrefix, generateApiKey, sha256Hex } from '../security/random-tokens.ts'
import { writePrivateFileOnce, type Runtime } from './runtime.ts'

export const DEMO_OTEC_RUT = '76543210-3'
/** A made-up Token in SENCE's format: SENCE would reject it, the simulator accepts it. */
export const DEMO_SENCE_TOKEN = '0A1B2C3D-0000-4000-8000-DEM0DEM0DEM0'

export interface DemoOtec {
  id: string
  apiKey: string
}

/** Returns the demo OTEC, creating it (and DATA_DIR/demo-otec.json, mode 0600) when needed. */
export async function ensureDemoOtec(runtime: Runtime): Promise<DemoOtec> {
  const { prisma } = runtime.db
  const filePath = path.join(runtime.settings.dataDir, 'demo-otec.json')

  const stored = readStored(filePath)
  if (stored !== null) {
    const key = await prisma.apiKey.findUnique({ where: { keyHash: sha256Hex(stored.apiKey) } })
    if (key !== null && key.otecId === stored.id && key.revokedAt === null) {
      await allowCurrentOrigin(runtime, stored.id)
      return stored
    }
    rmSync(filePath, { force: true })
  }

  const existing = await prisma.otec.findUnique({ where: { rut: DEMO_OTEC_RUT } })
  let demo: DemoOtec
  if (existing === null) {
    const created = await createOtec(prisma, runtime.secrets, {
      rut: DEMO_OTEC_RUT,
      name: 'OTEC de demostración',
      environment: 'test',
      senceToken: DEMO_SENCE_TOKEN,
      returnOrigins: [new URL(runtime.settings.publicBaseUrl).origin],
    })
    demo = { id: created.otec.id, apiKey: created.apiKey }
  } else {
    await allowCurrentOrigin(runtime, existing.id)
    // The key file was lost: issue a new key, since the old one cannot be read back.
    const apiKey = generateApiKey('test')
    await prisma.apiKey.create({
      data: {
        otecId: existing.id,
        prefix: apiKeyDisplayPrefix(apiKey),
        keyHash: sha256Hex(apiKey),
        name: 'demo',
      },
    })
    demo = { id: existing.id, apiKey }
  }
  writePrivateFileOnce(filePath, () => JSON.stringify(demo, null, 2) + '\n')
  runtime.logger.info({ otecId: demo.id }, 'demo OTEC ready')
  return demo
}

function readStored(filePath: string): DemoOtec | null {
  try {
    const value = JSON.parse(readFileSync(filePath, 'utf8')) as Partial<DemoOtec>
    return typeof value.id === 'string' && typeof value.apiKey === 'string'
      ? { id: value.id, apiKey: value.apiKey }
      : null
  } catch {
    return null
  }
}

/**
 * Adds this start's PUBLIC_BASE_URL origin to the demo OTEC's return
 * origins, so that /demo and the banner's curl command keep working after a
 * restart on another PORT. Only the embedded demo OTEC is changed this way.
 */
async function allowCurrentOrigin(runtime: Runtime, otecId: string): Promise<void> {
  const origin = new URL(runtime.settings.publicBaseUrl).origin
  const otec = await runtime.db.prisma.otec.findUniqueOrThrow({ where: { id: otecId } })
  if (otec.returnOrigins.includes(origin)) return
  await runtime.db.prisma.otec.update({
    where: { id: otecId },
    data: { returnOrigins: [...otec.returnOrigins, origin] },
  })
  runtime.logger.info({ otecId, origin }, 'demo OTEC accepts return URLs on this origin too')
}
