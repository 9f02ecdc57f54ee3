// `otec rotate-key` and `otec revoke-key`.

import { issueApiKey, revokeApiKey, revokeOtherApiKeys } from '../otecs/api-keys.ts'
import { isUuid } from '../sessions/session-id.ts'
import { OTEC_USAGE, parseOptions } from './otec-options.ts'
import { findOtec, withQuietRuntime } from './otec-runtime.ts'
import { UsageError } from './usage-error.ts'

/** Issues a new API key; with --revoke-others, revokes every other key in the same transaction. */
export async function runRotateKey(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    { name: { type: 'string' }, 'revoke-others': { type: 'boolean' }, json: { type: 'boolean' } },
    true,
  )
  if (positionals.length !== 1)
    throw new UsageError(`otec rotate-key takes one OTEC id or RUT\n${OTEC_USAGE}`)

  const rotated = await withQuietRuntime(async (runtime) => {
    const { prisma } = runtime.db
    const otec = await findOtec(prisma, positionals[0] as string)
    return prisma.$transaction(async (tx) => {
      const issued = await issueApiKey(tx, otec, values.name ?? null)
      const revokedCount =
        values['revoke-others'] === true
          ? await revokeOtherApiKeys(tx, otec.id, [issued.row.id])
          : 0
      return { otec, issued, revokedCount }
    })
  })

  if (values.json === true) {
    console.log(
      JSON.stringify({
        id: rotated.otec.id,
        apiKey: rotated.issued.apiKey,
        keyId: rotated.issued.row.id,
        revokedCount: rotated.revokedCount,
      }),
    )
    return 0
  }
  console.log(`new API key of OTEC ${rotated.otec.rut} (${rotated.otec.name})`)
  console.log(`  key id:  ${rotated.issued.row.id}`)
  console.log(`  API key: ${rotated.issued.apiKey}   (shown this once; store it in the LMS)`)
  if (rotated.revokedCount > 0) console.log(`  revoked: ${rotated.revokedCount} other key(s)`)
  return 0
}

export async function runRevokeKey(args: string[]): Promise<number> {
  const { positionals } = parseOptions(args, {}, true)
  const [reference, keyId] = positionals
  if (positionals.length !== 2 || reference === undefined || keyId === undefined)
    throw new UsageError(`otec revoke-key takes an OTEC id or RUT and a key id\n${OTEC_USAGE}`)

  const revoked = await withQuietRuntime(async (runtime) => {
    const otec = await findOtec(runtime.db.prisma, reference)
    return isUuid(keyId) ? revokeApiKey(runtime.db.prisma, otec.id, keyId) : null
  })
  if (revoked === null) {
    console.error(
      `sence-gateway otec revoke-key: the OTEC has no API key ${keyId}; see \`otec show\``,
    )
    return 1
  }
  console.log(
    `API key ${revoked.id} (${revoked.prefix}…) revoked at ${revoked.revokedAt?.toISOString()}`,
  )
  return 0
}
