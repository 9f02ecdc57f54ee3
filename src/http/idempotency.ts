// Idempotency-Key on the API's unsafe requests (create a session, close
// one), following the IETF httpapi draft "The Idempotency-Key HTTP Header
// Field". Keys are per OTEC. A retry with the same key and the same request
// gets the first response again. The same key with another request is a
// 422, and a retry while the first is still running is a 409. Only
// successful responses are kept, for IDEMPOTENCY_KEY_TTL_MS, so a request
// that failed (a 422 for a field, a 409 for the session's state) can be
// retried with the same key once fixed.

import { createHash } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { PrismaClient } from '../persistence/database.ts'
import type { SecretBox } from '../security/secret-box.ts'
import { type ApiResult, problemResult } from './api-result.ts'

/** How long a key and its response are kept: 24 hours, as Stripe does. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000

/**
 * A key still in flight after this long belongs to a request that crashed,
 * and the next retry takes it over. Handlers finish in well under a second.
 * NOTE: if the process dies after the use case committed and before the
 * response was stored, a retry after this timeout runs the use case again.
 */
export const IDEMPOTENCY_LOCK_TIMEOUT_MS = 60_000

export const IDEMPOTENCY_KEY_MAX_LENGTH = 255

export type ParsedIdempotencyKey = { ok: true; key: string | null } | { ok: false; detail: string }

/**
 * Reads the Idempotency-Key header. The draft defines it as a Structured
 * Field string (`"8e03978e-40d5-43e8-bc93-6894a57f9324"`); a bare token, as
 * Stripe's clients send it, is accepted too.
 */
export function parseIdempotencyKey(header: string | string[] | undefined): ParsedIdempotencyKey {
  if (header === undefined) return { ok: true, key: null }
  if (Array.isArray(header))
    return { ok: false, detail: 'Send one Idempotency-Key header, not several.' }

  const trimmed = header.trim()
  const quoted = /^"((?:[^"\\]|\\["\\])*)"$/.exec(trimmed)
  const key = quoted === null ? trimmed : (quoted[1] as string).replace(/\\(["\\])/g, '$1')
  // A quote that does not enclose the whole value, such as two keys joined by a comma.
  const halfQuoted = quoted === null && trimmed.includes('"')
  if (
    halfQuoted ||
    key === '' ||
    key.length > IDEMPOTENCY_KEY_MAX_LENGTH ||
    !/^[\x20-\x7e]+$/.test(key)
  ) {
    return {
      ok: false,
      detail: `Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters, such as a UUID in double quotes.`,
    }
  }
  return { ok: true, key }
}

/** SHA-256 of the method, the path and the body as canonical JSON (keys sorted), hex. */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([method, path, canonicalJson(body ?? null)]))
    .digest('hex')
}

function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonicalJson((value as Record<string, unknown>)[key])]),
    )
  }
  return value
}

type Claim =
  | { kind: 'claimed'; id: string }
  | { kind: 'replay'; result: ApiResult }
  | { kind: 'mismatch' }
  | { kind: 'in_flight' }

export interface IdempotencyStore {
  prisma: PrismaClient
  secrets: SecretBox
}

/**
 * Runs `operation` for the first request with an Idempotency-Key of the
 * OTEC, and returns the stored result of its success to later requests
 * with that key. A failed run frees the key, and a crashed run is taken
 * over after IDEMPOTENCY_LOCK_TIMEOUT_MS. Without the header it only runs
 * the operation.
 */
export async function runIdempotently(
  store: IdempotencyStore,
  request: FastifyRequest,
  operation: () => Promise<ApiResult>,
): Promise<ApiResult> {
  const parsed = parseIdempotencyKey(request.headers['idempotency-key'])
  if (!parsed.ok) return problemResult(request, 'invalid-idempotency-key', parsed.detail)
  if (parsed.key === null) return operation()

  const path = request.url.split('?')[0] as string
  const fingerprint = requestFingerprint(request.method, path, request.body)
  const claim = await claimKey(store, request.otec.id, parsed.key, fingerprint)
  switch (claim.kind) {
    case 'replay':
      request.log.info({ status: claim.result.statusCode }, 'idempotent request replayed')
      return { ...claim.result, headers: { 'idempotent-replayed': 'true' } }
    case 'mismatch':
      return problemResult(
        request,
        'idempotency-key-reused',
        'This Idempotency-Key was first used with another method, path or body; use a new key for a new request.',
      )
    case 'in_flight':
      return problemResult(
        request,
        'idempotency-key-in-use',
        'A request with this Idempotency-Key is still running; retry after it finishes.',
      )
  }

  let result: ApiResult
  try {
    result = await operation()
  } catch (error) {
    await releaseKey(store.prisma, claim.id)
    throw error
  }
  if (result.statusCode >= 200 && result.statusCode < 300) {
    await store.prisma.idempotencyKey.update({
      where: { id: claim.id },
      data: {
        status: 'completed',
        lockedAt: null,
        responseStatus: result.statusCode,
        responseSealed: store.secrets.seal(JSON.stringify(result.body)),
      },
    })
  } else {
    await releaseKey(store.prisma, claim.id)
  }
  return result
}

async function claimKey(
  store: IdempotencyStore,
  otecId: string,
  key: string,
  fingerprint: string,
  now: Date = new Date(),
): Promise<Claim> {
  const { prisma } = store
  await prisma.idempotencyKey.deleteMany({ where: { expiresAt: { lte: now } } })

  // Two rounds at most: the second follows a row that expired or was released meanwhile.
  for (let round = 0; round < 2; round += 1) {
    const inserted = await prisma.idempotencyKey.createManyAndReturn({
      data: [
        {
          otecId,
          key,
          fingerprint,
          lockedAt: now,
          expiresAt: new Date(now.getTime() + IDEMPOTENCY_KEY_TTL_MS),
        },
      ],
      skipDuplicates: true,
      select: { id: true },
    })
    if (inserted[0] !== undefined) return { kind: 'claimed', id: inserted[0].id }

    const existing = await prisma.idempotencyKey.findUnique({
      where: { otecId_key: { otecId, key } },
    })
    if (existing === null) continue
    if (existing.fingerprint !== fingerprint) return { kind: 'mismatch' }
    if (existing.status === 'completed') {
      const body = JSON.parse(store.secrets.open(existing.responseSealed ?? '')) as unknown
      return { kind: 'replay', result: { statusCode: existing.responseStatus ?? 200, body } }
    }

    const lockedAt = existing.lockedAt ?? new Date(0)
    if (now.getTime() - lockedAt.getTime() < IDEMPOTENCY_LOCK_TIMEOUT_MS)
      return { kind: 'in_flight' }
    const takeover = await prisma.idempotencyKey.updateMany({
      where: { id: existing.id, status: 'in_flight', lockedAt: existing.lockedAt },
      data: { lockedAt: now },
    })
    return takeover.count === 1 ? { kind: 'claimed', id: existing.id } : { kind: 'in_flight' }
  }
  return { kind: 'in_flight' }
}

async function releaseKey(prisma: PrismaClient, id: string): Promise<void> {
  await prisma.idempotencyKey.deleteMany({ where: { id, status: 'in_flight' } })
}
