// Guard against server-side request forgery: an OTEC must not make the
// gateway call loopback, private, link-local (where cloud metadata services
// listen) or other non-public addresses. URLs are checked when an endpoint
// is registered, and every connection is checked again when it is made,
// after DNS resolution, so that a name that later resolves elsewhere (DNS
// rebinding) is caught too. WEBHOOK_ALLOW_PRIVATE_TARGETS=1 opens loopback
// and private ranges, for local development and tests; link-local addresses
// (169.254.169.254 is where cloud metadata services answer) and every other
// special range stay closed whatever the setting.

import dns from 'node:dns'
import net, { type LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'

/** URLs longer than this are rejected: receivers have no reason to need more. */
export const MAX_WEBHOOK_URL_LENGTH = 2048

/** Raised for a webhook URL the gateway will not call, with the reason. */
export class BlockedTargetError extends Error {
  readonly code = 'WEBHOOK_TARGET_BLOCKED'

  constructor(message: string) {
    super(message)
    this.name = 'BlockedTargetError'
  }
}

/** The ranges that WEBHOOK_ALLOW_PRIVATE_TARGETS=1 opens (ipaddr.js 2 names). */
const PRIVATE_RANGES = new Set(['loopback', 'private', 'uniqueLocal', 'carrierGradeNat'])

/**
 * Returns why an IP address is not a public unicast address (ipaddr.js's
 * range name, such as `loopback`, `private`, `linkLocal`, `uniqueLocal` or
 * `carrierGradeNat`), or null when the gateway may call it. IPv4 addresses
 * written in IPv6, mapped (::ffff:a.b.c.d) or compatible (::a.b.c.d, which
 * ipaddr.js 2 calls unicast), are judged as IPv4.
 */
export function nonPublicRange(address: string): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6
  try {
    parsed = ipaddr.parse(address)
  } catch {
    return 'invalid'
  }
  if (parsed.kind() === 'ipv6') {
    const ipv6 = parsed as ipaddr.IPv6
    const parts = ipv6.parts
    // ::a.b.c.d, but not ::1 and :: (loopback and unspecified, named as such).
    const compatible = parts.slice(0, 6).every((part) => part === 0) && (parts[6] ?? 0) !== 0
    if (ipv6.isIPv4MappedAddress()) parsed = ipv6.toIPv4Address()
    else if (compatible) parsed = ipaddr.fromByteArray(ipv6.toByteArray().slice(12))
  }
  const range = parsed.range()
  return range === 'unicast' ? null : range
}

/** True when WEBHOOK_ALLOW_PRIVATE_TARGETS=1 lets the gateway call a non-public range. */
function openedBySetting(range: string, allowPrivateTargets: boolean): boolean {
  return allowPrivateTargets && PRIVATE_RANGES.has(range)
}

/**
 * Returns the problems of a webhook URL's shape: an absolute http(s) URL,
 * without credentials or fragment, of reasonable length. Empty when fine.
 */
export function webhookUrlShapeProblems(value: string): string[] {
  if (value.length > MAX_WEBHOOK_URL_LENGTH)
    return [`the URL has ${value.length} characters; at most ${MAX_WEBHOOK_URL_LENGTH} are allowed`]
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return ['the URL is not an absolute URL such as https://lms.example.cl/sence/webhooks']
  }
  const problems: string[] = []
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    problems.push(`the URL must use https or http, not ${url.protocol.replace(':', '')}`)
  if (url.username !== '' || url.password !== '')
    problems.push('the URL must not contain a user name or password')
  if (url.hash !== '') problems.push('the URL must not contain a fragment (#...)')
  return problems
}

/**
 * Checks where a webhook URL points, resolving its host name. Resolves with
 * null when the gateway may call it, or with the reason it is refused: a
 * non-public address, or a name that does not resolve.
 */
export async function checkWebhookTarget(
  value: string,
  allowPrivateTargets: boolean,
): Promise<string | null> {
  const shape = webhookUrlShapeProblems(value)
  if (shape.length > 0) return shape.join('; ')

  const host = hostOf(new URL(value))
  if (net.isIP(host) !== 0) return describeBlocked(host, host, allowPrivateTargets)
  let addresses: dns.LookupAddress[]
  try {
    addresses = await dns.promises.lookup(host, { all: true, verbatim: true })
  } catch (error) {
    return `the host ${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'lookup failed'})`
  }
  for (const { address } of addresses) {
    const reason = describeBlocked(host, address, allowPrivateTargets)
    if (reason !== null) return reason
  }
  return null
}

/**
 * Returns a `lookup` for net.connect that resolves like dns.lookup but fails
 * with BlockedTargetError when any address of the name is not public.
 */
export function guardedLookup(allowPrivateTargets: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true, verbatim: true }, (error, addresses) => {
      if (error) return callback(error, '', 0)
      for (const { address } of addresses) {
        const reason = describeBlocked(hostname, address, allowPrivateTargets)
        if (reason !== null) return callback(new BlockedTargetError(reason), '', 0)
      }
      if (options.all) return (callback as unknown as AllCallback)(null, addresses)
      const [first] = addresses
      if (first === undefined) return callback(new Error(`no address for ${hostname}`), '', 0)
      return callback(null, first.address, first.family)
    })
  }
}

type AllCallback = (error: Error | null, addresses: dns.LookupAddress[]) => void

/** Returns the reason an IP-literal host is refused, or null. Names are left to guardedLookup. */
export function blockedLiteralHost(url: URL, allowPrivateTargets: boolean): string | null {
  const host = hostOf(url)
  return net.isIP(host) === 0 ? null : describeBlocked(host, host, allowPrivateTargets)
}

function describeBlocked(
  host: string,
  address: string,
  allowPrivateTargets: boolean,
): string | null {
  const range = nonPublicRange(address)
  if (range === null || openedBySetting(range, allowPrivateTargets)) return null
  const resolved = host === address ? '' : ` resolves to ${address}, which`
  const remedy = PRIVATE_RANGES.has(range)
    ? 'webhooks go to public addresses only unless WEBHOOK_ALLOW_PRIVATE_TARGETS=1'
    : 'webhooks never go to this range, whatever WEBHOOK_ALLOW_PRIVATE_TARGETS says'
  return `${host}${resolved} is not a public address (${range}); ${remedy}`
}

/** The host of a URL without the brackets of an IPv6 literal. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1')
}
