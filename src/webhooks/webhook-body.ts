import type { Prisma } from '../persistence/generated/client.ts'

/**
 * Serialises a stored event payload as the body of every attempt. The
 * envelope's keys are put back in the documented order (jsonb stores them
 * sorted), and the same stored payload always gives the same bytes, so
 * every attempt of an event sends an identical body.
 */
export function webhookBody(payload: Prisma.JsonValue): string {
  const { type, timestamp, data } = payload as { type: string; timestamp: string; data: unknown }
  return JSON.stringify({ type, timestamp, data })
}
