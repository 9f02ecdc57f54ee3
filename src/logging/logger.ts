import pino, { type Logger } from 'pino'

export type { Logger }

/**
 * Paths pino removes from every log line: credentials, the SENCE Token, API
 * keys, webhook secrets and cookies. Tickets live in URLs and are masked by
 * the request serializer instead.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  '*.Token',
  '*.token',
  '*.senceToken',
  '*.apiKey',
  '*.secret',
  '*.webhookSecret',
  '*.password',
  'Token',
  'senceToken',
  'apiKey',
  'secret',
  'webhookSecret',
  'password',
]

/**
 * Replaces the ticket of /go/{ticket} and /cb/{ticket}/... URLs, which is
 * the secret of a browser round trip, and the RUN of a `runAlumno` filter
 * in the query, which is personal data.
 */
export function maskTicketInUrl(url: string): string {
  return url
    .replace(/^\/(go|cb)\/[^/?#]+/, '/$1/[ticket]')
    .replace(/([?&]runAlumno=)[^&#]*/gi, '$1[run]')
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: {
        req: (request: { id?: string; method?: string; url?: string; ip?: string }) => ({
          id: request.id,
          method: request.method,
          url: maskTicketInUrl(request.url ?? ''),
          remoteAddress: request.ip,
        }),
        err: pino.stdSerializers.err,
      },
    },
    destination,
  )
}
