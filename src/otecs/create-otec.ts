import type { PrismaClient } from '../persistence/database.ts'
import type { Otec } from '../persistence/generated/client.ts'
import { MAX_LENGTH, type Environment } from '../protocol/fields.ts'
import { normalizeRun, runProblem } from '../protocol/run.ts'
import {
  apiKeyDisplayPrefix,
  generateApiKey,
  generateWebhookSecret,
  sha256Hex,
} from '../security/random-tokens.ts'
import type { SecretBox } from '../security/secret-box.ts'

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

/** Raised with every invalid input of an OTEC at once. */
export class InvalidOtecError extends Error {
  readonly problems: string[]

  constructor(problems: string[]) {
    super(`invalid OTEC: ${problems.join('; ')}`)
    this.name = 'InvalidOtecError'
    this.problems = problems
  }
}

/** Registers an OTEC with its first API key and, when a webhook URL is given, its webhook endpoint. */
export async function createOtec(
  prisma: PrismaClient,
  secrets: SecretBox,
  input: CreateOtecInput,
): Promise<CreatedOtec> {
  const rut = normalizeRun(input.rut)
  const returnOrigins = (input.returnOrigins ?? []).map(normalizeOrigin)
  checkOtecInput({ ...input, rut }, returnOrigins)

  const existing = await prisma.otec.findUnique({ where: { rut } })
  if (existing !== null)
    throw new InvalidOtecError([`an OTEC with RUT ${rut} already exists (id ${existing.id})`])

  const apiKey = generateApiKey(input.environment)
  const webhookSecret = input.webhookUrl === undefined ? null : generateWebhookSecret()

  const otec = await prisma.otec.create({
    data: {
      rut,
      name: input.name.trim(),
      environment: input.environment,
      senceTokenSealed: secrets.seal(input.senceToken.trim()),
      returnOrigins: returnOrigins.filter((origin): origin is string => origin !== null),
      maxSessionMinutes: input.maxSessionMinutes ?? 180,
      apiKeys: {
        create: {
          prefix: apiKeyDisplayPrefix(apiKey),
          keyHash: sha256Hex(apiKey),
          name: 'initial',
        },
      },
      ...(input.webhookUrl !== undefined && webhookSecret !== null
        ? {
            webhookEndpoints: {
              create: { url: input.webhookUrl, secretSealed: secrets.seal(webhookSecret) },
            },
          }
        : {}),
    },
  })

  return { otec, apiKey, webhookSecret }
}

function checkOtecInput(input: CreateOtecInput, normalizedOrigins: (string | null)[]): void {
  const problems: string[] = []
  const rutProblem = runProblem(input.rut)
  if (rutProblem === 'format') problems.push(`RUT "${input.rut}" must look like 76543210-3`)
  if (rutProblem === 'check_digit') problems.push(`RUT "${input.rut}" has a wrong check digit`)
  if (input.name.trim() === '') problems.push('name must not be blank')
  const token = input.senceToken.trim()
  if (token === '') problems.push('SENCE Token must not be blank')
  if (token.length > MAX_LENGTH.Token)
    problems.push(
      `SENCE Token has ${token.length} characters; SENCE accepts at most ${MAX_LENGTH.Token}`,
    )
  if (input.webhookUrl !== undefined && !isHttpUrl(input.webhookUrl))
    problems.push(`webhook URL "${input.webhookUrl}" must be an absolute http(s) URL`)
  normalizedOrigins.forEach((origin, index) => {
    if (origin === null)
      problems.push(
        `return origin "${input.returnOrigins?.[index]}" must be scheme://host[:port], such as https://lms.example.cl`,
      )
  })
  if (
    input.maxSessionMinutes !== undefined &&
    !(input.maxSessionMinutes >= 1 && input.maxSessionMinutes <= 24 * 60)
  )
    problems.push('maximum session length must be between 1 and 1440 minutes')
  if (problems.length > 0) throw new InvalidOtecError(problems)
}

/** Returns the origin of an http(s) URL without path, or null when it is not one. */
export function normalizeOrigin(value: string): string | null {
  try {
    const url = new URL(value.trim())
    const isHttp = url.protocol === 'http:' || url.protocol === 'https:'
    const isBare =
      (url.pathname === '/' || url.pathname === '') && url.search === '' && url.hash === ''
    if (!isHttp || !isBare || url.username !== '' || url.password !== '') return null
    return url.origin
  } catch {
    return null
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}
