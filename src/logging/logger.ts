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

/** Query parameters whose values are RUNs or secrets in a logged URL. */
const MASKED_QUERY_PARAMETERS = new Map<string, (value: string) => string>([
  ['runAlumno', (value) => maskRun(normalizeRun(value))],
  ['RunAlumno', (value) => maskRun(normalizeRun(value))],
  ['token', () => '[redacted]'],
  ['Token', () => '[redacted]'],
  ['apiKey', () => '[redacted]'],
])

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
  let changed = false
  for (const [name, mask] of MASKED_QUERY_PARAMETERS) {
    const values = query.getAll(name)
    if (values.length === 0) continue
    query.delete(name)
    for (const value of values) query.append(name, mask(value))
    changed = true
  }
  return changed ? `${masked.slice(0, queryStart)}?${query.toString()}` : masked
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
