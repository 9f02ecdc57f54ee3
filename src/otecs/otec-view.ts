import type { Otec } from '../persistence/generated/client.ts'

/** An OTEC as the admin API and `otec list --json` show it. The SENCE Token is never part of it. */
export interface OtecView {
  id: string
  rut: string
  name: string
  environment: Otec['environment']
  returnOrigins: string[]
  maxSessionMinutes: number
  createdAt: string
  updatedAt: string
}

export function toOtecView(otec: Otec): OtecView {
  return {
    id: otec.id,
    rut: otec.rut,
    name: otec.name,
    environment: otec.environment,
    returnOrigins: otec.returnOrigins,
    maxSessionMinutes: otec.maxSessionMinutes,
    createdAt: otec.createdAt.toISOString(),
    updatedAt: otec.updatedAt.toISOString(),
  }
}
