// The simulator's stand-in for ClaveÚnica: RUN and password, and a choice of
// the result SENCE returns after the login.

import type { FastifyReply } from 'fastify'
import { SENCE_ERRORS } from '../protocol/error-table.ts'
import type { Operation } from '../protocol/fields.ts'
import { codesAfterLogin, REQUEST_CHECK_CODES, type SimulatedRequest } from './sence-answers.ts'

interface OutcomeOption {
  value: string
  label: string
}

interface OutcomeGroup {
  label: string
  options: OutcomeOption[]
}

/** True when the ClaveÚnica page offers this outcome for the operation (`abandon` is handled apart). */
export function isOfferedOutcome(operation: Operation, outcome: string): boolean {
  return outcomeGroups(operation).some((group) =>
    group.options.some((option) => option.value === outcome),
  )
}

/**
 * The choices of the `outcome` select: `ok` first (the default), the codes
 * SENCE returns after the login, the request-check codes that the gateway
 * prevents (offered to test an LMS's handling of them), and `abandon`.
 */
export function outcomeGroups(operation: Operation): OutcomeGroup[] {
  const option = (code: number): OutcomeOption => ({
    value: String(code),
    label: `${code}: ${SENCE_ERRORS.get(code)?.meaning ?? ''}`,
  })
  return [
    { label: 'Ingreso correcto', options: [{ value: 'ok', label: 'Ingreso correcto' }] },
    { label: 'Errores de SENCE tras el ingreso', options: codesAfterLogin(operation).map(option) },
    {
      label: 'Errores de validación (el gateway los evita antes de enviar)',
      options: REQUEST_CHECK_CODES.map(option),
    },
    {
      label: 'Sin respuesta',
      options: [{ value: 'abandon', label: 'Abandonar (SENCE no responde)' }],
    },
  ]
}

/** Shows the stand-in ClaveÚnica page, with a message when the last attempt was rejected. */
export function renderClaveUnicaPage(
  reply: FastifyReply,
  simulated: SimulatedRequest,
  errorMessage: string | null,
) {
  return reply
    .code(200)
    .header('cache-control', 'no-store')
    .view('simulator-claveunica.eta', {
      action: '/simulator/claveunica',
      request: Buffer.from(JSON.stringify(simulated)).toString('base64url'),
      run: simulated.fields['RunAlumno'] ?? '',
      operation: simulated.operation,
      outcomeGroups: outcomeGroups(simulated.operation),
      errorMessage,
    })
}
