// Content-Security-Policy directives for the gateway's pages, in
// @fastify/helmet's form. helmet's defaults are not used (`useDefaults:
// false`): their `form-action 'self'` blocks the form that leaves for SENCE,
// and their `upgrade-insecure-requests` breaks http deployments such as the
// embedded demo. The per-response nonce for the auto-submit script is added
// by @fastify/helmet.

type Directives = Record<string, string[]>

/** Every gateway page: its own assets only, no frames, no plugins, forms to itself. */
export function baseDirectives(): Directives {
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    objectSrc: ["'none'"],
  }
}

/**
 * The launch page posts to SENCE. Chromium checks form-action against every
 * redirect that follows the submission too, and SENCE's chain of redirects
 * to ClaveÚnica is not documented, so any https target is allowed besides
 * SENCE's origin: the page shows no content that an attacker controls.
 */
export function launchPageDirectives(senceOrigins: string[]): Directives {
  return { ...baseDirectives(), formAction: ["'self'", ...new Set(senceOrigins), 'https:'] }
}

/**
 * The simulator's pages stand for SENCE's and post to the gateway's callback
 * URLs, which then redirect to the LMS: form-action is left open, as SENCE's
 * own pages would not restrict it for us.
 */
export function simulatorPageDirectives(): Directives {
  const { formAction: _formAction, ...rest } = baseDirectives()
  return rest
}

/**
 * The session widget, which the LMS frames on its course page: framing is
 * allowed to the OTEC's return origins only (none when it has none), and
 * the logout form posts to the gateway, which redirects to /go/{ticket}.
 */
export function widgetPageDirectives(frameAncestors: readonly string[]): Directives {
  return {
    ...baseDirectives(),
    frameAncestors: frameAncestors.length === 0 ? ["'none'"] : [...frameAncestors],
  }
}

/** Writes directives as a Content-Security-Policy header value, as helmet does. */
export function serializeDirectives(directives: Directives): string {
  return Object.entries(directives)
    .map(
      ([name, values]) =>
        `${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)} ${values.join(' ')}`,
    )
    .join(';')
}
