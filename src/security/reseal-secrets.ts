import type { PrismaClient } from '../persistence/database.ts'
import type { SecretBox } from './secret-box.ts'

export interface ResealReport {
  /** Sealed values found, by the id of the key that sealed them, before any change. */
  byKeyId: Record<string, number>
  /** Values sealed anew with the current key (0 on a dry run). */
  resealed: number
}

interface SealedColumn {
  read(): Promise<{ id: string; sealed: string | null }[]>
  /** Replaces the value only if it is still `from`, so that a concurrent change wins. */
  replace(id: string, from: string, to: string): Promise<void>
}

/**
 * Seals every stored secret (SENCE Tokens, webhook secrets) with the current
 * key of ENCRYPTION_KEYS, so that the other keys can then be removed. Values
 * already under the current key are left as they are; a dry run only counts.
 */
export async function resealSecrets(
  prisma: PrismaClient,
  secrets: SecretBox,
  options: { dryRun: boolean },
): Promise<ResealReport> {
  const report: ResealReport = { byKeyId: {}, resealed: 0 }
  for (const column of sealedColumns(prisma)) {
    for (const row of await column.read()) {
      if (row.sealed === null) continue
      const keyId = secrets.keyIdOf(row.sealed)
      report.byKeyId[keyId] = (report.byKeyId[keyId] ?? 0) + 1
      if (keyId === secrets.currentKeyId || options.dryRun) continue
      await column.replace(row.id, row.sealed, secrets.seal(secrets.open(row.sealed)))
      report.resealed += 1
    }
  }
  return report
}

function sealedColumns(prisma: PrismaClient): SealedColumn[] {
  return [
    {
      read: async () =>
        (await prisma.otec.findMany({ select: { id: true, senceTokenSealed: true } })).map(
          (row) => ({ id: row.id, sealed: row.senceTokenSealed }),
        ),
      replace: async (id, from, to) => {
        await prisma.otec.updateMany({
          where: { id, senceTokenSealed: from },
          data: { senceTokenSealed: to },
        })
      },
    },
    {
      read: async () =>
        (await prisma.webhookEndpoint.findMany({ select: { id: true, secretSealed: true } })).map(
          (row) => ({ id: row.id, sealed: row.secretSealed }),
        ),
      replace: async (id, from, to) => {
        await prisma.webhookEndpoint.updateMany({
          where: { id, secretSealed: from },
          data: { secretSealed: to },
        })
      },
    },
    {
      read: async () =>
        (
          await prisma.webhookEndpoint.findMany({
            select: { id: true, previousSecretSealed: true },
          })
        ).map((row) => ({ id: row.id, sealed: row.previousSecretSealed })),
      replace: async (id, from, to) => {
        await prisma.webhookEndpoint.updateMany({
          where: { id, previousSecretSealed: from },
          data: { previousSecretSealed: to },
        })
      },
    },
  ]
}
