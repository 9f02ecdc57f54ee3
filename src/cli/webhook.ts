import { parseArgs } from 'node:util'
import { loadSettings } from '../config/settings.ts'
import { createLogger } from '../logging/logger.ts'
import { normalizeRun } from '../protocol/run.ts'
import { isUuid } from '../sessions/session-id.ts'
import { DELIVERY_STATUSES, listDeliveries, redeliver } from '../webhooks/delivery-log.ts'
import { startDeliveryQueue, useDeliveryQueue } from '../webhooks/delivery-queue.ts'
import {
  createEndpoint,
  listEndpoints,
  rotateEndpointSecret,
  sendTestEvent,
  updateEndpoint,
  type EndpointResult,
} from '../webhooks/endpoints.ts'
import { toDeliveryView, toEndpointView } from '../webhooks/views.ts'
import { deliveryQueueOptions } from '../worker/start-worker.ts'
import { openRuntime, type Runtime } from './runtime.ts'
import { UsageError } from './usage-error.ts'

const USAGE = `usage: sence-gateway webhook <subcommand> [options]

subcommands:
  list --otec OTEC                          the OTEC's endpoints
  create --otec OTEC --url URL [--event-type TYPE]...
                                            register an endpoint; prints its secret once
  rotate-secret ENDPOINT_ID [--overlap-seconds N]
                                            new secret; the old one signs too for N
                                            seconds (default 86400)
  disable ENDPOINT_ID                       stop sending; fails its pending deliveries
  enable ENDPOINT_ID                        send again (failed deliveries stay failed)
  test ENDPOINT_ID                          send a webhook.test event
  deliveries --otec OTEC [--status pending|succeeded|failed] [--limit N]
                                            the newest deliveries
  redeliver DELIVERY_ID                     send a succeeded or failed delivery again

OTEC is the OTEC's RUT or id. Add --json for machine-readable output.`

const OPTIONS = {
  otec: { type: 'string' },
  url: { type: 'string' },
  'event-type': { type: 'string', multiple: true },
  'overlap-seconds': { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
} as const

type Values = ReturnType<typeof parseOptions>['values']

/** `sence-gateway webhook ...`. */
export async function runWebhook(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args
  if (subcommand === undefined || subcommand === '--help' || subcommand === '-h') {
    console.log(USAGE)
    return subcommand === undefined ? 2 : 0
  }
  const { values, positionals } = parseOptions(rest)
  const settings = loadSettings()
  const logger = createLogger(
    settings.logLevel === 'info' ? 'warn' : settings.logLevel,
    process.stderr,
  )
  const runtime = await openRuntime(settings, { migrate: false }, logger)
  try {
    return await runSubcommand(runtime, subcommand, values, positionals)
  } finally {
    await runtime.close()
  }
}

async function runSubcommand(
  runtime: Runtime,
  subcommand: string,
  values: Values,
  positionals: string[],
): Promise<number> {
  const { prisma } = runtime.db
  const print = (human: string, json: unknown) =>
    console.log(values.json === true ? JSON.stringify(json) : human)

  switch (subcommand) {
    case 'list': {
      const otecId = await resolveOtec(runtime, values.otec)
      const endpoints = (await listEndpoints(prisma, otecId)).map(toEndpointView)
      print(endpoints.map(describeEndpoint).join('\n') || 'no webhook endpoints', { endpoints })
      return 0
    }
    case 'create': {
      const otecId = await resolveOtec(runtime, values.otec)
      if (values.url === undefined) throw new UsageError(`--url is required\n${USAGE}`)
      const created = unwrap(
        await createEndpoint(prisma, runtime.secrets, runtime.settings, otecId, {
          url: values.url,
          eventTypes: values['event-type'],
        }),
      )
      print(
        `${describeEndpoint(toEndpointView(created.endpoint))}\n  secret: ${created.secret}   (shown this once)`,
        { ...toEndpointView(created.endpoint), secret: created.secret },
      )
      return 0
    }
    case 'rotate-secret': {
      const endpoint = await resolveEndpoint(runtime, positionals)
      const overlap = values['overlap-seconds']
      const rotated = unwrap(
        await rotateEndpointSecret(
          prisma,
          runtime.secrets,
          endpoint.otecId,
          endpoint.id,
          overlap === undefined ? undefined : Number(overlap),
        ),
      )
      const view = toEndpointView(rotated.endpoint)
      print(
        `new secret: ${rotated.secret}   (shown this once)\nthe previous secret signs too until ${view.previousSecretExpiresAt ?? 'now (no overlap)'}`,
        { ...view, secret: rotated.secret },
      )
      return 0
    }
    case 'disable':
    case 'enable': {
      const endpoint = await resolveEndpoint(runtime, positionals)
      const updated = unwrap(
        await updateEndpoint(prisma, runtime.settings, endpoint.otecId, endpoint.id, {
          enabled: subcommand === 'enable',
        }),
      )
      print(describeEndpoint(toEndpointView(updated)), toEndpointView(updated))
      return 0
    }
    case 'test': {
      const endpoint = await resolveEndpoint(runtime, positionals)
      const sent = unwrap(
        await withQueue(runtime, () => sendTestEvent(prisma, endpoint.otecId, endpoint.id)),
      )
      print(`test event ${sent.eventId} queued as delivery ${sent.deliveryId}`, sent)
      return 0
    }
    case 'deliveries': {
      const otecId = await resolveOtec(runtime, values.otec)
      const status = values.status
      if (status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(status))
        throw new UsageError(
          `--status must be one of ${DELIVERY_STATUSES.join(', ')}, not "${status}"`,
        )
      const limit = values.limit === undefined ? 20 : Number(values.limit)
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        throw new UsageError(`--limit must be a whole number from 1 to 100, not "${values.limit}"`)
      const page = await listDeliveries(
        prisma,
        otecId,
        { status: status as (typeof DELIVERY_STATUSES)[number] | undefined },
        { limit },
      )
      const deliveries = page.deliveries.map(toDeliveryView)
      print(deliveries.map(describeDelivery).join('\n') || 'no deliveries', { deliveries })
      return 0
    }
    case 'redeliver': {
      const [deliveryId] = positionals
      if (deliveryId === undefined || !isUuid(deliveryId))
        throw new UsageError(`redeliver needs a delivery id (a UUID)\n${USAGE}`)
      const delivery = await prisma.webhookDelivery.findUnique({ where: { id: deliveryId } })
      if (delivery === null) throw new UsageError(`no webhook delivery ${deliveryId}`)
      const result = await withQueue(runtime, () => redeliver(prisma, delivery.otecId, deliveryId))
      if (!result.ok) {
        const why =
          result.reason === 'pending'
            ? `it is still pending; its next attempt is at ${result.nextAttemptAt?.toISOString()}`
            : result.reason === 'endpoint_disabled'
              ? `its endpoint ${result.endpointId} is disabled; run "sence-gateway webhook enable ${result.endpointId}" first`
              : 'it does not exist'
        console.error(
          `sence-gateway webhook redeliver: delivery ${deliveryId} cannot be sent again: ${why}`,
        )
        return 1
      }
      print(`delivery ${deliveryId} is due again now`, toDeliveryView(result.delivery))
      return 0
    }
    default:
      throw new UsageError(`unknown webhook subcommand "${subcommand}"\n${USAGE}`)
  }
}

/** Runs work with a delivery queue registered, so that what it records is enqueued at once. */
async function withQueue<T>(runtime: Runtime, work: () => Promise<T>): Promise<T> {
  const queue = await startDeliveryQueue(
    runtime.db,
    runtime.logger,
    deliveryQueueOptions(runtime.settings, false),
  )
  const unregister = useDeliveryQueue(queue)
  try {
    return await work()
  } finally {
    unregister()
    await queue.stop()
  }
}

async function resolveOtec(runtime: Runtime, value: string | undefined): Promise<string> {
  if (value === undefined)
    throw new UsageError(`--otec (the OTEC's RUT or id) is required\n${USAGE}`)
  const otec = await runtime.db.prisma.otec.findFirst({
    where: isUuid(value) ? { id: value } : { rut: normalizeRun(value) },
    select: { id: true },
  })
  if (otec === null) throw new UsageError(`no OTEC with RUT or id "${value}"`)
  return otec.id
}

async function resolveEndpoint(runtime: Runtime, positionals: string[]) {
  const [endpointId] = positionals
  if (endpointId === undefined || !isUuid(endpointId))
    throw new UsageError(`this subcommand needs a webhook endpoint id (a UUID)\n${USAGE}`)
  const endpoint = await runtime.db.prisma.webhookEndpoint.findUnique({ where: { id: endpointId } })
  if (endpoint === null) throw new UsageError(`no webhook endpoint ${endpointId}`)
  return endpoint
}

function unwrap<T>(result: EndpointResult<T>): T {
  if (result.ok) return result.value
  switch (result.reason) {
    case 'not_found':
      throw new UsageError('the webhook endpoint does not exist')
    case 'disabled':
      throw new UsageError(
        `webhook endpoint ${result.endpoint.id} is disabled; run "sence-gateway webhook enable ${result.endpoint.id}" first`,
      )
    case 'invalid':
      throw new UsageError(
        result.problems.map((problem) => `${problem.field}: ${problem.detail}`).join('\n'),
      )
  }
}

function describeEndpoint(endpoint: ReturnType<typeof toEndpointView>): string {
  const types =
    endpoint.eventTypes.length === 0 ? 'every event type' : endpoint.eventTypes.join(', ')
  const state = endpoint.enabled
    ? 'enabled'
    : `disabled (${endpoint.disabledReason ?? 'no reason given'})`
  return `${endpoint.id}  ${endpoint.url}  ${state}; ${types}`
}

function describeDelivery(delivery: ReturnType<typeof toDeliveryView>): string {
  const last =
    delivery.lastAttemptAt === null
      ? 'not attempted yet'
      : `last attempt ${delivery.lastAttemptAt}: ${delivery.lastStatusCode ?? delivery.lastError ?? ''}`
  return `${delivery.id}  ${delivery.eventType}  ${delivery.status}${delivery.failureReason ? ` (${delivery.failureReason})` : ''}  attempts ${delivery.attemptCount}; ${last}`
}

function parseOptions(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`)
  }
}
