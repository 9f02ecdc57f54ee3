// Where an OTEC may send the student's browser back to. The shape of a
// return URL (absolute, http(s), no credentials, its maximum length) is
// checked with the intent's other fields; this adds the tenant's rules, so
// that the gateway cannot be used as an open redirect: https only, except
// on loopback hosts or for an OTEC in SENCE's test environment, and only to
// the origins the OTEC registered, compared by exact scheme, host and port.

import type { Otec } from '../persistence/generated/client.ts'
import type { FieldError } from '../sessions/validate-intent.ts'

export type ReturnUrlOtec = Pick<Otec, 'environment' | 'returnOrigins'>

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * Returns the errors of a return URL under the OTEC's rules. A value that
 * is absent, not a string, or already reported in `earlier` (for example
 * as malformed) gets no second error.
 */
export function returnUrlPolicyErrors(
  value: unknown,
  otec: ReturnUrlOtec,
  earlier: readonly FieldError[] = [],
  field = 'returnUrl',
): FieldError[] {
  if (typeof value !== 'string' || earlier.some((error) => error.field === field)) return []
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return []
  }

  const errors: FieldError[] = []
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && otec.environment !== 'test') {
    errors.push({
      field,
      senceCode: null,
      detail: `${field} debe usar https; http sólo se acepta para localhost o para un OTEC en el ambiente de prueba.`,
    })
  }
  if (!otec.returnOrigins.includes(url.origin)) {
    const allowed =
      otec.returnOrigins.length === 0
        ? 'el OTEC no tiene orígenes permitidos'
        : `los permitidos son ${otec.returnOrigins.join(', ')}`
    errors.push({
      field,
      senceCode: null,
      detail: `El origen ${url.origin} de ${field} no está permitido para este OTEC (${allowed}); se agrega con "sence-gateway otec update --add-return-origin".`,
    })
  }
  return errors
}

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || hostname.endsWith('.localhost')
}
