// Idempotency-Key on the API's unsafe requests (create a session, close
// one), following the IETF httpapi draft "The Idempotency-Key HTTP Header
// Field". Keys are per OTEC. A retry with the same key and the same request
// gets the first response again. The same key with another request is a
// 422, and a retry while the first is still running is a 409. Only
// successful responses are kept, for IDEMPOTENCY_KEY_TTL_MS, so a request
// that failed (a 422 for a field, a 409 for the session's state) can be
// retried with the same key once fixed.
//
// The response is stored in the use case's own transaction, so the intent
// and the completed key commit together or not at all. A process that dies
// at any point leaves either both, which a retry replays, or neither, which
// a retry runs again.

import { createHash } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { PrismaClient, Transaction } from '../persistence/database.ts'
import type { SecretBox } from '../security/secret-box.ts'
import { type ApiResult, problemResult } from './api-result.ts'

/** How long a key and its response are kept: 24 hours, as Stripe does. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000

/**
 * A key still in flight after this long belongs to a request that crashed,
 * and the next retry takes it over. Handlers finish in well under a second.
 * A request that was only slow then finds the key taken when it tries to
 * complete it, and rolls its work back.
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
  | { kind: 'claimed'; id: string; lockedAt: Date }
  | { kind: 'replay'; result: ApiResult }
  | { kind: 'mismatch' }
  | { kind: 'in_flight' }

export interface IdempotencyStore {
  prisma: PrismaClient
  secrets: SecretBox
}

/**
 * Stores a successful result as the response of the request's key, in the
 * transaction `db` of the use case that produced it, just before it
 * commits. Throws IdempotencyKeyTakenOverError when a retry has taken the
 * key over meanwhile, which must roll the transaction back.
 */
export type CompleteIdempotencyKey = (
  db: PrismaClient | Transaction,
  result: ApiResult,
) => Promise<void>

/** Raised when a retry took over a request's Idempotency-Key before the request completed it. */
export class IdempotencyKeyTakenOverError extends Error {
  constructor(keyId: string) {
    super(`idempotency key ${keyId} was taken over by a retry before this request completed it`)
    this.name = 'IdempotencyKeyTakenOverError'
  }
}

/**
 * Runs `operation` for the first request with an Idempotency-Key of the
 * OTEC, and returns the stored result of its success to later requests
 * with that key. The operation gets a `complete` function, or null when
 * the request has no key. It must call `complete` with its successful
 * result inside its transaction, so that the result and the use case's
 * writes commit together. A failed run frees the key, and a crashed run is
 * taken over after IDEMPOTENCY_LOCK_TIMEOUT_MS.
 */
export async function runIdempotently(
  store: IdempotencyStore,
  request: FastifyRequest,
  operation: (complete: CompleteIdempotencyKey | null) => Promise<ApiResult>,
): Promise<ApiResult> {
  const parsed = parseIdempotencyKey(request.headers['idempotency-key'])
  if (!parsed.ok) return problemResult(request, 'invalid-idempotency-key', parsed.detail)
  if (parsed.key === null) return operation(null)

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

  let completed = false
  const complete: CompleteIdempotencyKey = async (db, result) => {
    // Only the request whose claim is still current may complete the key.
    const updated = await db.idempotencyKey.updateMany({
      where: { id: claim.id, status: 'in_flight', lockedAt: claim.lockedAt },
      data: {
        status: 'completed',
        lockedAt: null,
        responseStatus: result.statusCode,
        responseSealed: store.secrets.seal(JSON.stringify(result.body)),
      },
    })
    if (updated.count !== 1) throw new IdempotencyKeyTakenOverError(claim.id)
    completed = true
  }

  let result: ApiResult
  try {
    result = await operation(complete)
  } catch (error) {
    await releaseKey(store.prisma, claim)
    if (!(error instanceof IdempotencyKeyTakenOverError)) throw error
    request.log.warn(
      { idempotencyKeyId: claim.id },
      'idempotency key taken over by a retry; this request was rolled back',
    )
    return problemResult(
      request,
      'idempotency-key-in-use',
      'A retry with this Idempotency-Key took it over while this request ran, so this request was rolled back; retry to get the response of that retry.',
    )
  }

  const succeeded = result.statusCode >= 200 && result.statusCode < 300
  if (!succeeded) await releaseKey(store.prisma, claim)
  // NOTE: an operation that does not call `complete` leaves a window in
  // which a crash loses the response; both of today's operations call it.
  else if (!completed) await complete(store.prisma, result)
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
    if (inserted[0] !== undefined) return { kind: 'claimed', id: inserted[0].id, lockedAt: now }

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
    if (takeover.count === 1) return { kind: 'claimed', id: existing.id, lockedAt: now }
    // Another request took the key or completed it meanwhile: read it again.
  }
  return { kind: 'in_flight' }
}

/** Frees a key that this request still holds; a key taken over by a retry is left to it. */
async function releaseKey(
  prisma: PrismaClient,
  claim: { id: string; lockedAt: Date },
): Promise<void> {
  await prisma.idempotencyKey.deleteMany({
    where: { id: claim.id, status: 'in_flight', lockedAt: claim.lockedAt },
  })
}
