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
import { type FieldValue, readFieldInto } from './form-fields.ts'

export interface SettingsBody {
  name?: FieldValue
  environment?: FieldValue
  returnOrigins?: FieldValue
  maxSessionMinutes?: FieldValue
  senceToken?: FieldValue
}

/** The values to fill the form again after a problem: the Token is never among them. */
export interface SettingsFormValues {
  name: string
  environment: string
  returnOrigins: string
  maxSessionMinutes: string
}

export type ReadSettings =
  | { ok: true; input: UpdateOtecInput; form: SettingsFormValues }
  | { ok: false; problems: string[]; form: SettingsFormValues }

export function readSettingsForm(body: SettingsBody): ReadSettings {
  const problems: string[] = []
  const form = {
    name: readFieldInto(body.name, 'Nombre', problems),
    environment: readFieldInto(body.environment, 'Ambiente de SENCE', problems),
    returnOrigins: readFieldInto(body.returnOrigins, 'Orígenes de retorno permitidos', problems),
    maxSessionMinutes: readFieldInto(
      body.maxSessionMinutes,
      'Duración máxima de una sesión',
      problems,
    ),
  }
  // The Token is write-only: a blank field keeps the one registered. Its
  // values are never quoted, because the Token is a secret.
  const senceToken = readFieldInto(body.senceToken, 'Token de SENCE', problems, { secret: true })
  // A field that could not be read is reported once: the checks below would
  // add a second, misleading problem about the blank left in its place.
  if (problems.length > 0) return { ok: false, problems, form }

  const { name, environment } = form
  if (name === '') problems.push('El nombre del OTEC no puede quedar en blanco.')

  if (!(ENVIRONMENTS as readonly string[]).includes(environment))
    problems.push('Elija el ambiente de SENCE: pruebas o producción.')

  const origins: string[] = []
  for (const line of form.returnOrigins.split(/\r?\n/)) {
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
  const minutesText = form.maxSessionMinutes
  const minutes = Number(minutesText)
  if (!/^\d+$/.test(minutesText) || minutes < min || minutes > max)
    problems.push(`La duración máxima debe ser un número entero de minutos entre ${min} y ${max}.`)

  if (senceToken.length > MAX_LENGTH.Token)
    problems.push(
      `El Token de SENCE tiene ${senceToken.length} caracteres; SENCE acepta como máximo ${MAX_LENGTH.Token}.`,
    )

  if (problems.length > 0) return { ok: false, problems, form }
  return {
    ok: true,
    form,
    input: {
      name,
      environment: environment as Environment,
      returnOrigins: origins,
      maxSessionMinutes: minutes,
      ...(senceToken === '' ? {} : { senceToken }),
    },
  }
}
