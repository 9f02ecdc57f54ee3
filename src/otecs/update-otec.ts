import type { PrismaClient } from '../persistence/database.ts'
import type { Otec, Prisma } from '../persistence/generated/client.ts'
import type { Environment } from '../protocol/fields.ts'
import { isUuid } from '../sessions/session-id.ts'
import { API_KEY_PREFIXES } from '../security/random-tokens.ts'
import type { SecretBox } from '../security/secret-box.ts'
import {
  InvalidOtecError,
  normalizeOrigins,
  otecFieldChecks,
  type OtecInputProblem,
} from './otec-input.ts'

/** The settings an update may change; the RUT is the OTEC's identity and cannot change. */
export interface UpdateOtecInput {
  name?: string | undefined
  environment?: Environment | undefined
  senceToken?: string | undefined
  /** Replaces the list of allowed return origins. */
  returnOrigins?: string[] | undefined
  addReturnOrigins?: string[] | undefined
  removeReturnOrigins?: string[] | undefined
  maxSessionMinutes?: number | undefined
}

export interface UpdatedOtec {
  otec: Otec
  /**
   * Active API keys issued for the other environment. They stop working
   * when the environment changes, because a key's prefix must tell its
   * environment; issue new ones with `otec rotate-key`.
   */
  keysOfOtherEnvironment: number
}

/**
 * Changes an OTEC's settings in one transaction, with the OTEC's row
 * locked so that concurrent edits of the origins do not overwrite each
 * other. Returns null when no OTEC has the id; throws InvalidOtecError
 * with every invalid input.
 */
export async function updateOtec(
  prisma: PrismaClient,
  secrets: SecretBox,
  otecId: string,
  input: UpdateOtecInput,
): Promise<UpdatedOtec | null> {
  const problems: OtecInputProblem[] = []
  const data = checkedChanges(input, secrets, problems)
  const replace = normalizeOrigins(input.returnOrigins ?? [], problems)
  const add = normalizeOrigins(input.addReturnOrigins ?? [], problems, 'addReturnOrigins')
  const remove = normalizeOrigins(input.removeReturnOrigins ?? [], problems, 'removeReturnOrigins')
  if (problems.length > 0) throw new InvalidOtecError(problems)
  if (!isUuid(otecId)) return null

  return prisma.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM "Otec" WHERE id = ${otecId}::uuid FOR UPDATE`
    if (locked.length === 0) return null
    const current = await tx.otec.findUniqueOrThrow({ where: { id: otecId } })

    const base = input.returnOrigins === undefined ? current.returnOrigins : replace
    const origins = [...base, ...add.filter((origin) => !base.includes(origin))].filter(
      (origin) => !remove.includes(origin),
    )
    const otec = await tx.otec.update({
      where: { id: otecId },
      data: { ...data, returnOrigins: origins },
    })
    const otherPrefix = API_KEY_PREFIXES[otec.environment === 'production' ? 'test' : 'production']
    const keysOfOtherEnvironment = await tx.apiKey.count({
      where: { otecId, revokedAt: null, prefix: { startsWith: otherPrefix } },
    })
    return { otec, keysOfOtherEnvironment }
  })
}

function checkedChanges(
  input: UpdateOtecInput,
  secrets: SecretBox,
  problems: OtecInputProblem[],
): Prisma.OtecUpdateInput {
  const data: Prisma.OtecUpdateInput = {}
  const check = (field: string, detail: string | null) => {
    if (detail !== null) problems.push({ field, detail })
    return detail === null
  }
  if (input.name !== undefined && check('name', otecFieldChecks.name(input.name.trim())))
    data.name = input.name.trim()
  if (
    input.environment !== undefined &&
    check('environment', otecFieldChecks.environment(input.environment))
  )
    data.environment = input.environment
  if (
    input.senceToken !== undefined &&
    check('senceToken', otecFieldChecks.senceToken(input.senceToken.trim()))
  )
    data.senceTokenSealed = secrets.seal(input.senceToken.trim())
  if (
    input.maxSessionMinutes !== undefined &&
    check('maxSessionMinutes', otecFieldChecks.maxSessionMinutes(input.maxSessionMinutes))
  )
    data.maxSessionMinutes = input.maxSessionMinutes
  return data
}
