// The OTEC settings form of the dashboard, read and checked in Spanish
// before update-otec.ts applies it with the same rules as the CLI and the
// admin API.

import {
  ENVIRONMENTS,
  MAX_SESSION_MINUTES_RANGE,
  normalizeOrigin,
} from '../../../otecs/otec-input.ts'
import type { UpdateOtecInput } from '../../../otecs/update-otec.ts'
import { MAX_LENGTH, type Environment } from '../../../protocol/fields.ts'

export interface SettingsBody {
  name?: string
  environment?: string
  returnOrigins?: string
  maxSessionMinutes?: string
  senceToken?: string
}

export type ReadSettings = { ok: true; input: UpdateOtecInput } | { ok: false; problems: string[] }

export function readSettingsForm(body: SettingsBody): ReadSettings {
  const problems: string[] = []
  const name = (body.name ?? '').trim()
  if (name === '') problems.push('El nombre del OTEC no puede quedar en blanco.')

  const environment = body.environment ?? ''
  if (!(ENVIRONMENTS as readonly string[]).includes(environment))
    problems.push('Elija el ambiente de SENCE: pruebas o producción.')

  const origins: string[] = []
  for (const line of (body.returnOrigins ?? '').split(/\r?\n/)) {
    const value = line.trim()
    if (value === '') continue
    const origin = normalizeOrigin(value)
    if (origin === null)
      problems.push(
        `"${value}" no es un origen: escriba esquema://host[:puerto], sin ruta, por ejemplo https://lms.example.cl.`,
      )
    else if (!origins.includes(origin)) origins.push(origin)
  }

  const { min, max } = MAX_SESSION_MINUTES_RANGE
  const minutesText = (body.maxSessionMinutes ?? '').trim()
  const minutes = Number(minutesText)
  if (!/^\d+$/.test(minutesText) || minutes < min || minutes > max)
    problems.push(`La duración máxima debe ser un número entero de minutos entre ${min} y ${max}.`)

  // The Token is write-only: a blank field keeps the one registered.
  const senceToken = (body.senceToken ?? '').trim()
  if (senceToken.length > MAX_LENGTH.Token)
    problems.push(
      `El Token de SENCE tiene ${senceToken.length} caracteres; SENCE acepta como máximo ${MAX_LENGTH.Token}.`,
    )

  if (problems.length > 0) return { ok: false, problems }
  return {
    ok: true,
    input: {
      name,
      environment: environment as Environment,
      returnOrigins: origins,
      maxSessionMinutes: minutes,
      ...(senceToken === '' ? {} : { senceToken }),
    },
  }
}
