import pino, { type Logger } from 'pino'
import { maskRun, normalizeRun } from '../protocol/run.ts'

export type { Logger }

/**
 * Field names whose values never reach a log line, at the top level of a
 * log object and two levels down (`req.headers.authorization`): the SENCE
 * Token, API keys, webhook secrets, encryption keys, tickets, credentials
 * and cookies.
 */
export const SECRET_FIELDS = [
  'Token',
  'token',
  'senceToken',
  'apiKey',
  'api_key',
  'secret',
  'webhookSecret',
  'encryptionKeys',
  'ENCRYPTION_KEYS',
  'password',
  'databaseUrl',
  'DATABASE_URL',
  'ticket',
  'authorization',
  'Authorization',
  'cookie',
  'Cookie',
  'set-cookie',
]

/** Field names that hold a RUN: logged masked, with only the last digits. */
export const RUN_FIELDS = ['runAlumno', 'RunAlumno', 'run']

/** Query parameter names whose values are credentials, in any case: apiKey, api_key, access_token... */
const SECRET_PARAMETER = /key|token|secret|password|passwd|auth|signature|ticket/i

/** Query parameter names whose values are a RUN or RUT. */
const RUN_PARAMETER = /^(run|rut|runalumno|rutotec|rut_alumno|run_alumno)$/i

/** Values that are credentials wherever they stand: API keys and webhook secrets. */
const SECRET_VALUE = /(sk_(test|live)_[A-Za-z0-9_-]+|whsec_[A-Za-z0-9+/=]+)/g

/** Returns how a query parameter's value is logged. */
function maskQueryValue(name: string, value: string): string {
  if (SECRET_PARAMETER.test(name)) return '[redacted]'
  if (RUN_PARAMETER.test(name)) return maskRun(normalizeRun(value))
  return value.replace(SECRET_VALUE, '[redacted]')
}

function pathsFor(field: string): string[] {
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? field : `["${field}"]`
  const nested = key.startsWith('[') ? key : `.${key}`
  return [key, `*${nested}`, `*.*${nested}`]
}

export const REDACTED_PATHS = [...SECRET_FIELDS, ...RUN_FIELDS].flatMap(pathsFor)

/** Masks a RUN field (unless the caller masked it already), and replaces any other redacted field. */
function censor(value: unknown, path: string[]): unknown {
  const field = path[path.length - 1] ?? ''
  if (!RUN_FIELDS.includes(field)) return '[redacted]'
  if (typeof value !== 'string') return '***'
  return value.startsWith('*') ? value : maskRun(normalizeRun(value))
}

/**
 * Returns a URL fit for a log line: the ticket of /go/{ticket} and
 * /cb/{ticket}/..., which is the secret of a browser round trip, replaced by
 * `[ticket]`, and RUNs and tokens in the query masked.
 */
export function maskUrlForLog(url: string): string {
  const masked = url.replace(/^\/(go|cb)\/[^/?#]+/, '/$1/[ticket]')
  const queryStart = masked.indexOf('?')
  if (queryStart === -1) return masked

  const query = new URLSearchParams(masked.slice(queryStart + 1))
  const rewritten = new URLSearchParams()
  for (const [name, value] of query) rewritten.append(name, maskQueryValue(name, value))
  return `${masked.slice(0, queryStart)}?${rewritten.toString()}`
}

/**
 * Creates the process's logger. Without a destination it writes to stdout
 * asynchronously: sonic-boom gathers the lines written while a write is in
 * flight into the next one, instead of one blocking write per line on the
 * event loop, and pino writes what is left when the process exits.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor },
      serializers: {
        req: (request: { id?: string; method?: string; url?: string; ip?: string }) => ({
          id: request.id,
          method: request.method,
          url: maskUrlForLog(request.url ?? ''),
          remoteAddress: request.ip,
        }),
        err: pino.stdSerializers.err,
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  )
}
