import type { PrismaClient } from '../persistence/database.ts'
import { Prisma } from '../persistence/database.ts'
import type { Otec } from '../persistence/generated/client.ts'
import type { Environment } from '../protocol/fields.ts'
import { normalizeRun } from '../protocol/run.ts'
import { generateWebhookSecret } from '../security/random-tokens.ts'
import type { SecretBox } from '../security/secret-box.ts'
import { issueApiKey } from './api-keys.ts'
import {
  InvalidOtecError,
  normalizeOrigins,
  otecFieldChecks,
  OtecExistsError,
  type OtecInputProblem,
} from './otec-input.ts'

export { InvalidOtecError, OtecExistsError } from './otec-input.ts'

export interface CreateOtecInput {
  rut: string
  name: string
  environment: Environment
  senceToken: string
  webhookUrl?: string | undefined
  returnOrigins?: string[] | undefined
  maxSessionMinutes?: number | undefined
}

export interface CreatedOtec {
  otec: Otec
  /** Shown once: only its hash is stored. */
  apiKey: string
  /** The `whsec_` secret of the webhook endpoint, when a webhook URL was given. */
  webhookSecret: string | null
}

export const DEFAULT_MAX_SESSION_MINUTES = 180

/**
 * Registers an OTEC with its first API key and, when a webhook URL is
 * given, its webhook endpoint, in one transaction. Throws InvalidOtecError
 * with every invalid input, or OtecExistsError when the RUT is taken.
 */
export async function createOtec(
  prisma: PrismaClient,
  secrets: SecretBox,
  input: CreateOtecInput,
): Promise<CreatedOtec> {
  const problems: OtecInputProblem[] = []
  const check = (field: string, detail: string | null) => {
    if (detail !== null) problems.push({ field, detail })
  }
  const rut = normalizeRun(input.rut.trim())
  const name = input.name.trim()
  const senceToken = input.senceToken.trim()
  check('rut', otecFieldChecks.rut(rut))
  check('name', otecFieldChecks.name(name))
  check('environment', otecFieldChecks.environment(input.environment))
  check('senceToken', otecFieldChecks.senceToken(senceToken))
  if (input.webhookUrl !== undefined)
    check('webhookUrl', otecFieldChecks.webhookUrl(input.webhookUrl))
  const returnOrigins = normalizeOrigins(input.returnOrigins ?? [], problems)
  if (input.maxSessionMinutes !== undefined)
    check('maxSessionMinutes', otecFieldChecks.maxSessionMinutes(input.maxSessionMinutes))
  if (problems.length > 0) throw new InvalidOtecError(problems)

  const existing = await prisma.otec.findUnique({ where: { rut } })
  if (existing !== null) throw new OtecExistsError(rut, existing.id)

  const webhookSecret = input.webhookUrl === undefined ? null : generateWebhookSecret()
  try {
    return await prisma.$transaction(async (tx) => {
      const otec = await tx.otec.create({
        data: {
          rut,
          name,
          environment: input.environment,
          senceTokenSealed: secrets.seal(senceToken),
          returnOrigins,
          maxSessionMinutes: input.maxSessionMinutes ?? DEFAULT_MAX_SESSION_MINUTES,
        },
      })
      const { apiKey } = await issueApiKey(tx, otec, 'initial')
      if (input.webhookUrl !== undefined && webhookSecret !== null) {
        await tx.webhookEndpoint.create({
          data: {
            otecId: otec.id,
            url: input.webhookUrl,
            secretSealed: secrets.seal(webhookSecret),
          },
        })
      }
      return { otec, apiKey, webhookSecret }
    })
  } catch (error) {
    // Another request registered the same RUT between the check and the insert.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
      const winner = await prisma.otec.findUniqueOrThrow({ where: { rut } })
      throw new OtecExistsError(rut, winner.id)
    }
    throw error
  }
}
