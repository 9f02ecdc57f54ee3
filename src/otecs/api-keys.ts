// An OTEC's API keys: each shown once when issued, stored as its SHA-256,
// revocable one by one. The key's prefix (sk_test_ or sk_live_) shows the
// SENCE environment of the OTEC it was issued for.

import type { PrismaClient, Transaction } from '../persistence/database.ts'
import type { ApiKey, Otec } from '../persistence/generated/client.ts'
import type { Environment } from '../protocol/fields.ts'
import {
  API_KEY_PREFIXES,
  apiKeyDisplayPrefix,
  generateApiKey,
  sha256Hex,
} from '../security/random-tokens.ts'

/** An API key as listings show it: never the key itself. */
export interface ApiKeyView {
  id: string
  name: string | null
  /** The key's first characters, to tell keys apart: `sk_live_` and four more. */
  prefix: string
  environment: Environment
  createdAt: string
  lastUsedAt: string | null
  revokedAt: string | null
}

export const API_KEY_NAME_MAX_LENGTH = 100

/** Issues a new API key for an OTEC and returns it with its stored row. */
export async function issueApiKey(
  db: PrismaClient | Transaction,
  otec: Pick<Otec, 'id' | 'environment'>,
  name: string | null = null,
): Promise<{ apiKey: string; row: ApiKey }> {
  const apiKey = generateApiKey(otec.environment)
  const row = await db.apiKey.create({
    data: {
      otecId: otec.id,
      prefix: apiKeyDisplayPrefix(apiKey),
      keyHash: sha256Hex(apiKey),
      name: name?.trim().slice(0, API_KEY_NAME_MAX_LENGTH) || null,
    },
  })
  return { apiKey, row }
}

/** Returns an OTEC's keys, newest first, revoked ones included. */
export function listApiKeys(prisma: PrismaClient, otecId: string): Promise<ApiKey[]> {
  return prisma.apiKey.findMany({
    where: { otecId },
    orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
  })
}

/**
 * Revokes one key of an OTEC, at once for every later request. Revoking a
 * revoked key keeps its first revocation time. Returns null when the OTEC
 * has no such key.
 */
export async function revokeApiKey(
  prisma: PrismaClient,
  otecId: string,
  keyId: string,
  now: Date = new Date(),
): Promise<ApiKey | null> {
  await prisma.apiKey.updateMany({
    where: { id: keyId, otecId, revokedAt: null },
    data: { revokedAt: now },
  })
  return prisma.apiKey.findFirst({ where: { id: keyId, otecId } })
}

/** Revokes every key of an OTEC except the given ones; returns how many it revoked. */
export async function revokeOtherApiKeys(
  db: PrismaClient | Transaction,
  otecId: string,
  keepIds: string[],
  now: Date = new Date(),
): Promise<number> {
  const revoked = await db.apiKey.updateMany({
    where: { otecId, revokedAt: null, id: { notIn: keepIds } },
    data: { revokedAt: now },
  })
  return revoked.count
}

export function environmentOfKeyPrefix(prefix: string): Environment {
  return prefix.startsWith(API_KEY_PREFIXES.production) ? 'production' : 'test'
}

export function toApiKeyView(row: ApiKey): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    environment: environmentOfKeyPrefix(row.prefix),
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  }
}
