import type { Transaction } from '../persistence/database.ts'

/**
 * Disables an endpoint and fails its pending deliveries that no worker is
 * sending right now (reason `endpoint_disabled`), so that staff see at once
 * what did not go out. A delivery in flight records its own outcome; its
 * next attempt finds the endpoint disabled. Returns how many deliveries
 * were failed. Enabling the endpoint again does not resend them: use
 * redelivery.
 */
export async function disableEndpointInTransaction(
  tx: Transaction,
  endpointId: string,
  reason: string,
  now: Date = new Date(),
): Promise<number> {
  await tx.webhookEndpoint.update({
    where: { id: endpointId },
    data: { enabled: false, disabledReason: reason, disabledAt: now },
  })
  const failed = await tx.webhookDelivery.updateMany({
    where: {
      endpointId,
      status: 'pending',
      OR: [{ leaseExpiresAt: null }, { leaseExpiresAt: { lte: now } }],
    },
    data: { status: 'failed', failureReason: 'endpoint_disabled', nextAttemptAt: null },
  })
  return failed.count
}
