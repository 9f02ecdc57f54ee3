import { isIP } from 'node:net'
import path from 'node:path'
import { z } from 'zod'
import { longestCallbackUrl, SENCE_URL_MAX_LENGTH } from '../protocol/fields.ts'
import { createSecretBox } from '../security/secret-box.ts'
import { productionProblems } from './production-checks.ts'

/** The service's settings, read once from the environment at start-up. */
export interface Settings {
  /** Unset in the embedded mode, where the service runs its own PGlite. */
  databaseUrl: string | undefined
  embedded: boolean
  dataDir: string
  host: string
  port: number
  publicBaseUrl: string
  senceBaseUrl: string
  simulator: boolean
  simulatorAutoApprove: boolean
  pendingTtlSeconds: number
  webhookRetryDelaysSeconds: number[]
  /** The limit of one delivery attempt, from DNS lookup to the last byte read. */
  webhookTimeoutMs: number
  webhookAllowPrivateTargets: boolean
  /** `keyId:base64key` entries; the first one seals, every one opens. */
  encryptionKeys: string | undefined
  databasePoolMax: number
  logLevel: string
  production: boolean
  /** Whether PUBLIC_BASE_URL was set, rather than defaulted to localhost. */
  publicBaseUrlSet: boolean
  /** Lets production run with an http:// PUBLIC_BASE_URL, for a staging set-up without TLS. */
  publicBaseUrlAllowHttp: boolean
  /** How long SIGTERM waits for requests and background work before the process exits anyway. */
  shutdownTimeoutSeconds: number

  // The REST API's access and hardening.
  /** Fastify's trustProxy: false, a hop count, or the proxies' addresses and CIDR ranges. */
  trustProxy: boolean | number | string[]
  /** The deployment-wide key of the admin API (/v1/admin); unset turns that API off. */
  adminApiKey: string | undefined
  /** Requests per minute allowed to one API key, and to one client IP on the API. */
  rateLimitPerKeyPerMinute: number
  rateLimitApiPerIpPerMinute: number
  /** Requests per minute allowed to one client IP on the browser's /go and /cb URLs. */
  rateLimitBrowserPerIpPerMinute: number
}

/** Raised with every invalid setting at once, so one restart can fix them all. */
export class SettingsError extends Error {
  readonly problems: string[]

  constructor(problems: string[]) {
    super(
      `invalid configuration (${problems.length} setting${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((problem) => `  - ${problem}`).join('\n'),
    )
    this.name = 'SettingsError'
    this.problems = problems
  }
}

const SWITCH_VALUES: Record<string, boolean> = {
  on: true,
  off: false,
  '1': true,
  '0': false,
  true: true,
  false: false,
}

const switchSetting = z
  .string()
  .trim()
  .toLowerCase()
  .refine((value) => value in SWITCH_VALUES, 'expected on/off, 1/0 or true/false')
  .transform((value) => SWITCH_VALUES[value] as boolean)

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))

const httpBaseUrl = z
  .string()
  .trim()
  .refine(
    isHttpBaseUrl,
    'expected an http(s) URL such as https://gateway.example.cl, with no query, fragment or credentials',
  )
  .transform((value) => value.replace(/\/+$/, ''))

/**
 * Retry delays of Standard Webhooks' example schedule, after the first
 * attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. The last
 * attempt comes about 75 hours after the first.
 */
export const DEFAULT_WEBHOOK_RETRY_DELAYS = '5,300,1800,7200,18000,36000,50400,72000,86400'

const retryDelays = z
  .string()
  .trim()
  .regex(/^\d+(\s*,\s*\d+)*$/, 'expected seconds separated by commas, such as 5,300,1800')
  .transform((value) => value.split(',').map((part) => Number(part.trim())))

/** TRUST_PROXY: a number of proxy hops, on/off, or IP addresses and CIDR ranges separated by commas. */
const trustProxySetting = z
  .string()
  .trim()
  .transform((value, context): boolean | number | string[] => {
    // Digits are a hop count, as in Express and fastify, so 1 trusts one
    // proxy and not every X-Forwarded-For entry, which anyone can forge.
    if (/^\d+$/.test(value)) return Number(value) === 0 ? false : Number(value)
    const lowered = value.toLowerCase()
    if (lowered in SWITCH_VALUES) return SWITCH_VALUES[lowered] as boolean
    const entries = value.split(',').map((entry) => entry.trim())
    const invalid = entries.filter((entry) => !isAddressOrRange(entry))
    if (invalid.length === 0) return entries
    context.addIssue({
      code: 'custom',
      message: `expected a number of proxy hops, on/off, or IP addresses and CIDR ranges separated by commas; not an address or range: ${invalid.join(', ')}`,
    })
    return z.NEVER
  })

const environmentSchema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .refine(
      (value) => /^postgres(ql)?:\/\//.test(value),
      'expected a postgresql:// connection string',
    )
    .optional(),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: wholeNumber(0, 65535).default(3000),
  PUBLIC_BASE_URL: httpBaseUrl.optional(),
  SENCE_BASE_URL: httpBaseUrl.default('https://sistemas.sence.cl'),
  SENCE_SIMULATOR: switchSetting.optional(),
  SIMULATOR_AUTO_APPROVE: switchSetting.default(false),
  PENDING_TTL_SECONDS: wholeNumber(10, 7 * 24 * 3600).default(1800),
  WEBHOOK_RETRY_DELAYS: retryDelays.default(DEFAULT_WEBHOOK_RETRY_DELAYS.split(',').map(Number)),
  WEBHOOK_TIMEOUT_MS: wholeNumber(100, 120_000).default(15_000),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: switchSetting.optional(),
  ENCRYPTION_KEYS: z.string().trim().min(1).superRefine(checkEncryptionKeys).optional(),
  DATABASE_POOL_MAX: wholeNumber(1, 500).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // A typo such as "prod" would silently skip every production check.
  NODE_ENV: z
    .enum(['production', 'development', 'test'], {
      error: 'expected production, development or test',
    })
    .optional(),
  PUBLIC_BASE_URL_ALLOW_HTTP: switchSetting.default(false),
  SHUTDOWN_TIMEOUT_SECONDS: wholeNumber(1, 3600).default(25),

  // The REST API's access and hardening.
  TRUST_PROXY: trustProxySetting.default(false),
  ADMIN_API_KEY: z
    .string()
    .trim()
    .min(32, 'must be at least 32 characters; generate one with `openssl rand -base64 32`')
    .optional(),
  RATE_LIMIT_PER_KEY_PER_MINUTE: wholeNumber(1, 1_000_000).default(600),
  RATE_LIMIT_API_PER_IP_PER_MINUTE: wholeNumber(1, 1_000_000).default(1200),
  RATE_LIMIT_BROWSER_PER_IP_PER_MINUTE: wholeNumber(1, 1_000_000).default(300),
})

/** The names of every setting read from the environment; .env.example documents each one. */
export const SETTING_NAMES = Object.keys(environmentSchema.shape)

/**
 * Reads and validates the settings. Throws a SettingsError that lists every
 * invalid setting, with the value expected, when any is wrong.
 */
export interface LoadSettingsOptions {
  /**
   * Whether the command opens sealed secrets. `migrate` does not, so that a
   * migration job can run without ENCRYPTION_KEYS in its environment.
   */
  needsEncryptionKeys?: boolean
}

export function loadSettings(
  environment: NodeJS.ProcessEnv = process.env,
  options: LoadSettingsOptions = {},
): Settings {
  const present = Object.fromEntries(
    Object.entries(environment).filter(([, value]) => value !== undefined && value.trim() !== ''),
  )
  const parsed = environmentSchema.safeParse(present)
  const problems: string[] = []
  const invalid = new Set<string>()
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? 'environment')
      const shown =
        name in present && !isSecretSetting(name) ? ` (got ${JSON.stringify(present[name])})` : ''
      problems.push(`${name}: ${issue.message}${shown}`)
      invalid.add(name)
    }
  }

  // The invalid settings fall back to their defaults here, so that the
  // checks across settings still run and one message lists every problem.
  const valid = Object.fromEntries(Object.entries(present).filter(([name]) => !invalid.has(name)))
  const env = parsed.success ? parsed.data : environmentSchema.parse(valid)
  const embedded = present['DATABASE_URL'] === undefined
  const settings: Settings = {
    databaseUrl: env.DATABASE_URL,
    embedded,
    dataDir: path.resolve(env.DATA_DIR),
    host: env.HOST,
    port: env.PORT,
    publicBaseUrl: env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT}`,
    senceBaseUrl: env.SENCE_BASE_URL,
    simulator: env.SENCE_SIMULATOR ?? embedded,
    simulatorAutoApprove: env.SIMULATOR_AUTO_APPROVE,
    pendingTtlSeconds: env.PENDING_TTL_SECONDS,
    webhookRetryDelaysSeconds: env.WEBHOOK_RETRY_DELAYS,
    webhookTimeoutMs: env.WEBHOOK_TIMEOUT_MS,
    webhookAllowPrivateTargets: env.WEBHOOK_ALLOW_PRIVATE_TARGETS ?? embedded,
    encryptionKeys: env.ENCRYPTION_KEYS,
    databasePoolMax: env.DATABASE_POOL_MAX,
    logLevel: env.LOG_LEVEL,
    production: env.NODE_ENV === 'production',
    publicBaseUrlSet: env.PUBLIC_BASE_URL !== undefined,
    publicBaseUrlAllowHttp: env.PUBLIC_BASE_URL_ALLOW_HTTP,
    shutdownTimeoutSeconds: env.SHUTDOWN_TIMEOUT_SECONDS,

    trustProxy: env.TRUST_PROXY,
    adminApiKey: env.ADMIN_API_KEY,
    rateLimitPerKeyPerMinute: env.RATE_LIMIT_PER_KEY_PER_MINUTE,
    rateLimitApiPerIpPerMinute: env.RATE_LIMIT_API_PER_IP_PER_MINUTE,
    rateLimitBrowserPerIpPerMinute: env.RATE_LIMIT_BROWSER_PER_IP_PER_MINUTE,
  }

  problems.push(...checkConsistency(settings, invalid, options.needsEncryptionKeys ?? true))
  if (problems.length > 0) throw new SettingsError(problems)
  return settings
}

/** Checks across settings; a check is skipped when a setting it reads is invalid itself. */
function checkConsistency(
  settings: Settings,
  invalid: Set<string>,
  needsEncryptionKeys: boolean,
): string[] {
  const problems: string[] = []
  const readable = (...names: string[]) => names.every((name) => !invalid.has(name))

  const longest = longestCallbackUrl(settings.publicBaseUrl)
  if (readable('PUBLIC_BASE_URL', 'PORT') && longest.length > SENCE_URL_MAX_LENGTH) {
    problems.push(
      `PUBLIC_BASE_URL: the callback URLs it gives are ${longest.length} characters long ` +
        `(${longest}), ${longest.length - SENCE_URL_MAX_LENGTH} more than the ${SENCE_URL_MAX_LENGTH} ` +
        `SENCE accepts for UrlRetoma and UrlError; ` +
        `use an origin of at most ${SENCE_URL_MAX_LENGTH - (longest.length - settings.publicBaseUrl.length)} characters`,
    )
  }

  const keysNeeded = needsEncryptionKeys && (!settings.embedded || settings.production)
  if (keysNeeded && readable('ENCRYPTION_KEYS') && settings.encryptionKeys === undefined) {
    problems.push(
      'ENCRYPTION_KEYS: missing; it seals the SENCE Tokens and webhook secrets in the database. ' +
        'Generate one with `npx sence-gateway generate-key`',
    )
  }

  if (settings.production) problems.push(...productionProblems(settings, readable))
  return problems
}

/** Checks ENCRYPTION_KEYS' format now, so that a bad key is listed with the other settings. */
function checkEncryptionKeys(value: string, context: z.RefinementCtx): void {
  try {
    createSecretBox(value)
  } catch (error) {
    context.addIssue({
      code: 'custom',
      message: (error as Error).message.replace(/^ENCRYPTION_KEYS: /, ''),
    })
  }
}

function isHttpBaseUrl(value: string): boolean {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return false
  }
  const protocolOk = url.protocol === 'http:' || url.protocol === 'https:'
  return (
    protocolOk && url.search === '' && url.hash === '' && url.username === '' && url.password === ''
  )
}

function isSecretSetting(name: string): boolean {
  return name === 'ENCRYPTION_KEYS' || name === 'DATABASE_URL' || name === 'ADMIN_API_KEY'
}

/** True for an IP address, or a CIDR range such as 10.0.0.0/8 or fd00::/8. */
function isAddressOrRange(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/')
  const family = isIP(address)
  if (family === 0 || rest.length > 0) return false
  if (prefix === undefined) return true
  const bits = Number(prefix)
  return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128)
}
