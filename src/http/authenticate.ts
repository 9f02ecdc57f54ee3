import type { FastifyReply, FastifyRequest } from 'fastify'
import type { PrismaClient } from '../persistence/database.ts'
import type { Otec } from '../persistence/generated/client.ts'
import { sha256Hex } from '../security/random-tokens.ts'
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

/**
 * Returns a preHandler that authenticates `Authorization: Bearer <API key>`.
 * Keys are looked up by their SHA-256, so the lookup itself reveals nothing
 * about how much of a wrong key was right.
 */
export function authenticateApiKey(prisma: PrismaClient) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply) {
    const header = request.headers.authorization ?? ''
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (match === null) {
      return sendProblem(
        reply,
        'unauthorized',
        'Send the OTEC’s API key as "Authorization: Bearer sk_...".',
        {},
      )
    }

    const apiKey = await prisma.apiKey.findUnique({
      where: { keyHash: sha256Hex(match[1] as string) },
      include: { otec: true },
    })
    if (apiKey === null || apiKey.revokedAt !== null) {
      request.log.info(
        { keyPrefix: (match[1] as string).slice(0, 12) },
        'rejected unknown or revoked API key',
      )
      return sendProblem(
        reply,
        'unauthorized',
        'The API key is unknown or revoked; ask for a new one with `sence-gateway otec rotate-key`.',
      )
    }

    request.otec = apiKey.otec
    request.apiKeyId = apiKey.id
    request.log = request.log.child({ otecId: apiKey.otecId })

    const now = Date.now()
    if (apiKey.lastUsedAt === null || now - apiKey.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await prisma.apiKey.update({ where: { id: apiKey.id }, data: { lastUsedAt: new Date(now) } })
    }
  }
}
