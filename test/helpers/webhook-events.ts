// Test OTECs with a webhook endpoint, and webhook events recorded straight
// into the delivery queue, for tests of the worker that need no gateway.

import type { PrismaClient } from '../../src/persistence/database.ts'
import { createOtec, type CreatedOtec } from '../../src/otecs/create-otec.ts'
import type { SecretBox } from '../../src/security/secret-box.ts'
import type { DeliveryQueue } from '../../src/webhooks/delivery-queue.ts'
import { recordWebhookEvent } from '../../src/webhooks/record-event.ts'
import { nextTestRut } from './gateway.ts'

/** Creates a test-environment OTEC whose one webhook endpoint is `webhookUrl`. */
export function createOtecWithWebhook(
  prisma: PrismaClient,
  secrets: SecretBox,
  webhookUrl: string,
): Promise<CreatedOtec> {
  return createOtec(prisma, secrets, {
    rut: nextTestRut(),
    name: 'OTEC de prueba',
    environment: 'test',
    senceToken: '12345678-1234-1234-1234-123456789',
    webhookUrl,
  })
}

/** Records a session.started event numbered `n` for the OTEC, with its deliveries and jobs. */
export function recordStartedEvent(
  prisma: PrismaClient,
  queue: DeliveryQueue,
  otecId: string,
  n: number,
): Promise<unknown> {
  return prisma.$transaction((tx) =>
    recordWebhookEvent(
      tx,
      { otecId, sessionId: null, type: 'session.started', data: { n } },
      queue,
    ),
  )
}
