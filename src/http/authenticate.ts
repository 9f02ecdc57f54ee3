// Authentication of the REST API: an OTEC's API key for its own sessions,
// and the deployment-wide ADMIN_API_KEY for the admin API (/v1/admin).
// Both run as onRequest hooks, before any body is read.

import type { FastifyReply, FastifyRequest } from 'fastify'
import { environmentOfKeyPrefix } from '../otecs/api-keys.ts'
import type { PrismaClient } from '../persistence/database.ts'
import type { ApiKey, Otec } from '../persistence/generated/client.ts'
import { constantTimeEqual, sha256Hex } from '../security/random-tokens.ts'
import { sendProblem } from './problem.ts'

declare module 'fastify' {
  interface FastifyRequest {
    /** The OTEC whose API key authenticated the request; every query is scoped to it. */
    otec: Otec
    apiKeyId: string
  }
}

/** Last-used times are written at most this often per key, so that reads do not each cost a write. */
const LAST_USED_RESOLUTION_MS = 60_000

/** Returns the token of `Authorization: Bearer <token>`, or null when the header has another form. */
export function bearerToken(request: FastifyRequest): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(request.headers.authorization ?? '')
  return match === null ? null : (match[1] as string)
}

/**
 * Returns an onRequest hook that authenticates an OTEC's API key. Keys are
 * looked up by their SHA-256, so the lookup's timing reveals nothing about
 * how much of a wrong key was right. A key works only while its prefix
 * matches its OTEC's environment: an sk_test_ key cannot create
 * production sessions after the OTEC moves to production.
 */
export function authenticateApiKey(prisma: PrismaClient, adminApiKey: string | undefined) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    const token = bearerToken(request)
    if (token === null) {
      return sendProblem(
        reply,
        'unauthorized',
        'Send the OTEC’s API key as "Authorization: Bearer sk_...".',
      )
    }

    const apiKey = await findApiKey(prisma, sha256Hex(token))
    if (apiKey === null || apiKey.revokedAt !== null) {
      if (adminApiKey !== undefined && constantTimeEqual(sha256Hex(token), sha256Hex(adminApiKey)))
        return sendProblem(
          reply,
          'unauthorized',
          'The admin key works on /v1/admin only; use the OTEC’s own API key here.',
        )
      request.log.info(
        {
          keyPrefix: token.startsWith('sk_') ? token.slice(0, 12) : '(not sk_)',
          revoked: apiKey !== null,
        },
        'rejected unknown or revoked API key',
      )
      return sendProblem(
        reply,
        'unauthorized',
        'The API key is unknown or revoked; issue a new one with `sence-gateway otec rotate-key`.',
      )
    }
    if (environmentOfKeyPrefix(apiKey.prefix) !== apiKey.otec.environment) {
      request.log.info(
        { keyId: apiKey.id, otecId: apiKey.otecId, keyPrefix: apiKey.prefix },
        'rejected API key of another environment',
      )
      return sendProblem(
        reply,
        'unauthorized',
        `This key was issued for the ${environmentOfKeyPrefix(apiKey.prefix)} environment, and the OTEC is now in ${apiKey.otec.environment}; issue a new key with \`sence-gateway otec rotate-key\`.`,
      )
    }

    request.otec = apiKey.otec
    request.apiKeyId = apiKey.id
    request.log = request.log.child({ otecId: apiKey.otecId, keyId: apiKey.id })

    const now = Date.now()
    if (apiKey.lastUsedAt === null || now - apiKey.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await prisma.apiKey.update({ where: { id: apiKey.id }, data: { lastUsedAt: new Date(now) } })
    }
  }
}

type ApiKeyWithOtec = Pick<ApiKey, 'id' | 'otecId' | 'prefix' | 'lastUsedAt' | 'revokedAt'> & {
  otec: Otec
}

/**
 * Reads an API key by its hash together with its OTEC, in one statement:
 * every API request pays for this lookup, and Prisma's `include` made it two.
 */
export async function findApiKey(
  prisma: PrismaClient,
  keyHash: string,
): Promise<ApiKeyWithOtec | null> {
  const [row] = await prisma.$queryRaw<
    (Otec & {
      keyId: string
      keyPrefix: string
      keyLastUsedAt: Date | null
      keyRevokedAt: Date | null
    })[]
  >`
    SELECT o.*, k."id" AS "keyId", k."prefix" AS "keyPrefix",
           k."lastUsedAt" AS "keyLastUsedAt", k."revokedAt" AS "keyRevokedAt"
      FROM "ApiKey" AS k JOIN "Otec" AS o ON o."id" = k."otecId"
     WHERE k."keyHash" = ${keyHash}`
  if (row === undefined) return null
  const { keyId, keyPrefix, keyLastUsedAt, keyRevokedAt, ...otec } = row
  return {
    id: keyId,
    otecId: otec.id,
    prefix: keyPrefix,
    lastUsedAt: keyLastUsedAt,
    revokedAt: keyRevokedAt,
    otec,
  }
}

/**
 * Returns an onRequest hook that lets only ADMIN_API_KEY through. Both
 * sides are hashed first so that the comparison takes the same time
 * whatever the length of the key sent.
 */
export function authenticateAdmin(adminApiKey: string | undefined) {
  const expected = adminApiKey === undefined ? null : sha256Hex(adminApiKey)
  return async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    if (expected === null) {
      return sendProblem(
        reply,
        'unauthorized',
        'The admin API is off on this deployment: set ADMIN_API_KEY to turn it on.',
      )
    }
    const token = bearerToken(request)
    if (token === null || !constantTimeEqual(sha256Hex(token), expected)) {
      request.log.info({ presented: token !== null }, 'rejected admin API key')
      return sendProblem(
        reply,
        'unauthorized',
        'Send the deployment’s ADMIN_API_KEY as "Authorization: Bearer <key>".',
      )
    }
    request.log = request.log.child({ admin: true })
  }
}
