// Re-sealing of every stored secret with the current encryption key, the
// last step of a rotation of ENCRYPTION_KEYS: put the new key first, keep
// the old ones after it, restart, run this, then drop the old keys.

import type { PrismaClient } from '../persistence/database.ts'
import type { SecretBox } from './secret-box.ts'

/**
 * Every column that contains a value sealed by SecretBox. A new sealed column
 * must be listed here, or a rotation would leave it under the old key.
 */
export const SEALED_COLUMNS = [
  { table: 'Otec', column: 'senceTokenSealed' },
  { table: 'WebhookEndpoint', column: 'secretSealed' },
  { table: 'WebhookEndpoint', column: 'previousSecretSealed' },
  { table: 'IdempotencyKey', column: 'responseSealed' },
] as const

export interface ResealedColumn {
  table: string
  column: string
  /** Values sealed with an older key, re-sealed with the current one (or that would be, in a dry run). */
  resealed: number
  /** Ids of rows whose value could not be opened: their key is missing from ENCRYPTION_KEYS, or the value is damaged. */
  failedIds: string[]
}

const BATCH_SIZE = 200

/**
 * Re-seals, column by column, every value not sealed with the current key.
 * Each row is updated only if its value is still the one read, so a value
 * changed meanwhile (a new Token) is left as it is. Rows that cannot be
 * opened are reported and skipped.
 */
export async function resealSecrets(
  prisma: PrismaClient,
  secrets: SecretBox,
  options: { dryRun?: boolean } = {},
): Promise<ResealedColumn[]> {
  const currentPrefix = `v1:${secrets.currentKeyId}:`
  const results: ResealedColumn[] = []

  for (const { table, column } of SEALED_COLUMNS) {
    const result: ResealedColumn = { table, column, resealed: 0, failedIds: [] }
    let lastId = '00000000-0000-0000-0000-000000000000'
    for (;;) {
      // Table and column names come from SEALED_COLUMNS above, never from input.
      const rows = await prisma.$queryRawUnsafe<{ id: string; sealed: string }[]>(
        `SELECT id::text AS id, "${column}" AS sealed FROM "${table}"
         WHERE "${column}" IS NOT NULL AND left("${column}", length($1)) <> $1 AND id > $2::uuid
         ORDER BY id LIMIT ${BATCH_SIZE}`,
        currentPrefix,
        lastId,
      )
      for (const row of rows) {
        let resealed: string
        try {
          resealed = secrets.seal(secrets.open(row.sealed))
        } catch {
          result.failedIds.push(row.id)
          continue
        }
        if (options.dryRun === true) {
          result.resealed += 1
          continue
        }
        result.resealed += await prisma.$executeRawUnsafe(
          `UPDATE "${table}" SET "${column}" = $1 WHERE id = $2::uuid AND "${column}" = $3`,
          resealed,
          row.id,
          row.sealed,
        )
      }
      if (rows.length < BATCH_SIZE) break
      lastId = (rows.at(-1) as { id: string }).id
    }
    results.push(result)
  }
  return results
}

/**
 * Returns the key ids that stored values were sealed with but that
 * ENCRYPTION_KEYS lacks, with how many values each sealed. Empty when every
 * stored secret can be opened.
 */
export async function missingKeyIds(
  prisma: PrismaClient,
  secrets: SecretBox,
): Promise<{ keyId: string; values: number }[]> {
  const counts = new Map<string, number>()
  for (const { table, column } of SEALED_COLUMNS) {
    // Table and column names come from SEALED_COLUMNS above, never from input.
    const rows = await prisma.$queryRawUnsafe<{ keyId: string; values: number }[]>(
      `SELECT split_part("${column}", ':', 2) AS "keyId", count(*)::int AS "values"
       FROM "${table}" WHERE "${column}" IS NOT NULL GROUP BY 1`,
    )
    for (const row of rows) counts.set(row.keyId, (counts.get(row.keyId) ?? 0) + row.values)
  }
  return [...counts]
    .filter(([keyId]) => !secrets.keyIds.includes(keyId))
    .map(([keyId, values]) => ({ keyId, values }))
}
