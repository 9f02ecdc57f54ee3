// The use cases of an OTEC's webhook endpoints, shared by the REST API and
// the command line: register, change, rotate the secret, disable or enable,
// and send a test event. Every query is scoped to the OTEC.

import type { PrismaClient } from '../persistence/database.ts'
import type { WebhookEndpoint } from '../persistence/generated/client.ts'
import { generateWebhookSecret } from '../security/random-tokens.ts'
import type { SecretBox } from '../security/secret-box.ts'
import { isUuid } from '../sessions/session-id.ts'
import { disableEndpointInTransaction } from './endpoint-state.ts'
import { recordTestEvent, WEBHOOK_EVENT_TYPES } from './record-event.ts'
import { checkWebhookTarget } from './target-guard.ts'

/** How long the previous secret still signs after a rotation, by default: one day. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 3600
/** The longest overlap a rotation may ask for: one week. */
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 24 * 3600

/** An input problem: the field (as the API names it) and what is wrong, in Spanish for the API's `detail`. */
export interface EndpointProblem {
  field: 'url' | 'eventTypes' | 'overlapSeconds'
  detail: string
}

export type EndpointResult<T> =
  | { ok: true; value: T }
  | { ok: false; reason: 'not_found' }
  | { ok: false; reason: 'invalid'; problems: EndpointProblem[] }
  | { ok: false; reason: 'disabled'; endpoint: WebhookEndpoint }

export interface EndpointSettings {
  webhookAllowPrivateTargets: boolean
}

/** Registers an endpoint and returns it with its secret, which is shown this once. */
export async function createEndpoint(
  prisma: PrismaClient,
  secrets: SecretBox,
  settings: EndpointSettings,
  otecId: string,
  input: { url: string; eventTypes?: string[] | undefined },
): Promise<EndpointResult<{ endpoint: WebhookEndpoint; secret: string }>> {
  const problems = [
    ...(await urlProblems(input.url, settings)),
    ...eventTypeProblems(input.eventTypes),
  ]
  if (problems.length > 0) return { ok: false, reason: 'invalid', problems }

  const secret = generateWebhookSecret()
  const endpoint = await prisma.webhookEndpoint.create({
    data: {
      otecId,
      url: input.url,
      secretSealed: secrets.seal(secret),
      eventTypes: uniqueTypes(input.eventTypes),
    },
  })
  return { ok: true, value: { endpoint, secret } }
}

/** Changes an endpoint's URL, event types or enabled state. Disabling fails its pending deliveries. */
export async function updateEndpoint(
  prisma: PrismaClient,
  settings: EndpointSettings,
  otecId: string,
  endpointId: string,
  changes: {
    url?: string | undefined
    eventTypes?: string[] | undefined
    enabled?: boolean | undefined
  },
): Promise<EndpointResult<WebhookEndpoint>> {
  const endpoint = await findEndpoint(prisma, otecId, endpointId)
  if (endpoint === null) return { ok: false, reason: 'not_found' }
  const problems = [
    ...(changes.url === undefined ? [] : await urlProblems(changes.url, settings)),
    ...eventTypeProblems(changes.eventTypes),
  ]
  if (problems.length > 0) return { ok: false, reason: 'invalid', problems }

  const updated = await prisma.$transaction(async (tx) => {
    if (changes.enabled === false && endpoint.enabled)
      await disableEndpointInTransaction(tx, endpoint.id, 'disabled on request')
    return tx.webhookEndpoint.update({
      where: { id: endpoint.id },
      data: {
        ...(changes.url === undefined ? {} : { url: changes.url }),
        ...(changes.eventTypes === undefined
          ? {}
          : { eventTypes: uniqueTypes(changes.eventTypes) }),
        ...(changes.enabled === true
          ? { enabled: true, disabledReason: null, disabledAt: null }
          : {}),
      },
    })
  })
  return { ok: true, value: updated }
}

/**
 * Gives an endpoint a new secret. The previous one keeps signing, next to
 * the new one, for `overlapSeconds`, so that the receiver can switch
 * without rejecting a message. A rotation during an overlap ends the older
 * overlap: only the last two secrets sign.
 */
export async function rotateEndpointSecret(
  prisma: PrismaClient,
  secrets: SecretBox,
  otecId: string,
  endpointId: string,
  overlapSeconds: number = DEFAULT_ROTATION_OVERLAP_SECONDS,
  now: Date = new Date(),
): Promise<EndpointResult<{ endpoint: WebhookEndpoint; secret: string }>> {
  if (
    !Number.isInteger(overlapSeconds) ||
    overlapSeconds < 0 ||
    overlapSeconds > MAX_ROTATION_OVERLAP_SECONDS
  ) {
    return {
      ok: false,
      reason: 'invalid',
      problems: [
        {
          field: 'overlapSeconds',
          detail: `El traslape debe ser un número entero de segundos entre 0 y ${MAX_ROTATION_OVERLAP_SECONDS}.`,
        },
      ],
    }
  }
  const endpoint = await findEndpoint(prisma, otecId, endpointId)
  if (endpoint === null) return { ok: false, reason: 'not_found' }

  const secret = generateWebhookSecret()
  const updated = await prisma.webhookEndpoint.update({
    where: { id: endpoint.id },
    data: {
      secretSealed: secrets.seal(secret),
      previousSecretSealed: overlapSeconds === 0 ? null : endpoint.secretSealed,
      previousSecretExpiresAt:
        overlapSeconds === 0 ? null : new Date(now.getTime() + overlapSeconds * 1000),
    },
  })
  return { ok: true, value: { endpoint: updated, secret } }
}

/** Records a `webhook.test` event for one enabled endpoint and returns its delivery id. */
export async function sendTestEvent(
  prisma: PrismaClient,
  otecId: string,
  endpointId: string,
): Promise<EndpointResult<{ eventId: string; deliveryId: string }>> {
  const endpoint = await findEndpoint(prisma, otecId, endpointId)
  if (endpoint === null) return { ok: false, reason: 'not_found' }
  if (!endpoint.enabled) return { ok: false, reason: 'disabled', endpoint }

  const recorded = await prisma.$transaction((tx) => recordTestEvent(tx, otecId, endpoint.id))
  return {
    ok: true,
    value: { eventId: recorded.eventId, deliveryId: recorded.deliveryIds[0] as string },
  }
}

export async function findEndpoint(
  prisma: PrismaClient,
  otecId: string,
  endpointId: string,
): Promise<WebhookEndpoint | null> {
  if (!isUuid(endpointId)) return null
  return prisma.webhookEndpoint.findFirst({ where: { id: endpointId, otecId } })
}

export async function listEndpoints(
  prisma: PrismaClient,
  otecId: string,
): Promise<WebhookEndpoint[]> {
  return prisma.webhookEndpoint.findMany({ where: { otecId }, orderBy: { createdAt: 'asc' } })
}

async function urlProblems(url: string, settings: EndpointSettings): Promise<EndpointProblem[]> {
  const refused = await checkWebhookTarget(url, settings.webhookAllowPrivateTargets)
  return refused === null
    ? []
    : [{ field: 'url', detail: `La URL del webhook no es aceptable: ${refused}.` }]
}

function eventTypeProblems(eventTypes: string[] | undefined): EndpointProblem[] {
  const unknown = (eventTypes ?? []).filter(
    (type) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(type),
  )
  if (unknown.length === 0) return []
  return [
    {
      field: 'eventTypes',
      detail: `Tipos de evento desconocidos: ${unknown.join(', ')}. Los tipos válidos son ${WEBHOOK_EVENT_TYPES.join(', ')}; una lista vacía recibe todos.`,
    },
  ]
}

function uniqueTypes(eventTypes: string[] | undefined): string[] {
  return [...new Set(eventTypes ?? [])]
}
