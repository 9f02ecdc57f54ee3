import type { Settings } from './settings.ts'

/**
 * Lists what NODE_ENV=production does not accept: the embedded database, the
 * simulator (which would record attendance that SENCE never saw), a
 * defaulted or plain-http PUBLIC_BASE_URL, and a SENCE_BASE_URL that is not
 * SENCE over https. `readable` returns whether the named settings parsed, so
 * that an invalid setting is reported once, by its own message.
 */
export function productionProblems(
  settings: Settings,
  readable: (...names: string[]) => boolean,
): string[] {
  const problems: string[] = []

  if (settings.embedded) {
    problems.push(
      'DATABASE_URL: missing; NODE_ENV=production does not run on the embedded database. ' +
        'Set a postgresql:// connection string',
    )
  }

  if (settings.simulator && readable('SENCE_SIMULATOR')) {
    problems.push(
      'SENCE_SIMULATOR: must be off when NODE_ENV=production, because the simulator ' +
        'confirms sessions that SENCE never registered',
    )
  }
  if (settings.simulatorAutoApprove && readable('SIMULATOR_AUTO_APPROVE')) {
    problems.push(
      'SIMULATOR_AUTO_APPROVE: must be off when NODE_ENV=production, because it approves ' +
        'sessions without ClaveÚnica',
    )
  }

  if (readable('PUBLIC_BASE_URL')) {
    if (!settings.publicBaseUrlSet) {
      problems.push(
        'PUBLIC_BASE_URL: missing; NODE_ENV=production needs the https origin at which ' +
          'browsers and SENCE reach the gateway',
      )
    } else if (
      new URL(settings.publicBaseUrl).protocol !== 'https:' &&
      !settings.publicBaseUrlAllowHttp
    ) {
      problems.push(
        `PUBLIC_BASE_URL: must be https when NODE_ENV=production (got "${settings.publicBaseUrl}"); ` +
          'put a TLS proxy in front, or set PUBLIC_BASE_URL_ALLOW_HTTP=1 for a staging set-up without TLS',
      )
    }
  }

  if (readable('SENCE_BASE_URL', 'PUBLIC_BASE_URL')) {
    const sence = new URL(settings.senceBaseUrl)
    if (sence.protocol !== 'https:') {
      problems.push(
        `SENCE_BASE_URL: must be https when NODE_ENV=production (got "${settings.senceBaseUrl}")`,
      )
    } else if (
      settings.publicBaseUrlSet &&
      sence.origin === new URL(settings.publicBaseUrl).origin
    ) {
      problems.push(
        `SENCE_BASE_URL: points at the gateway itself (${sence.origin}), which would send ` +
          'production OTECs to the simulator; use SENCE’s origin, https://sistemas.sence.cl',
      )
    }
  }

  return problems
}
