// Drives the student's browser through fastify's inject: the gateway's
// launch page, the simulator's pages and the callback, form by form, the
// way a browser without JavaScript would (pressing each form's button).

import type { LightMyRequestResponse } from 'fastify'
import { onlyFormOf, type HtmlForm } from './html-forms.ts'
import { PUBLIC_BASE_URL, type TestGateway } from './gateway.ts'

/** Turns an absolute gateway URL into the path inject expects; `base` is the gateway's PUBLIC_BASE_URL. */
export function gatewayPath(url: string, base: string = PUBLIC_BASE_URL): string {
  if (url.startsWith(base)) return url.slice(base.length)
  if (url.startsWith('/')) return url
  throw new Error(`not a gateway URL: ${url}`)
}

export async function getPage(gateway: TestGateway, url: string): Promise<LightMyRequestResponse> {
  return gateway.app.inject({
    method: 'GET',
    url: gatewayPath(url, gateway.settings.publicBaseUrl),
  })
}

export async function submitForm(
  gateway: TestGateway,
  form: HtmlForm,
  changes: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return gateway.app.inject({
    method: 'POST',
    url: gatewayPath(form.action, gateway.settings.publicBaseUrl),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ ...form.fields, ...changes }).toString(),
  })
}

export interface SimulatedVisit {
  /** The form the launch page posts to SENCE (here, the simulator). */
  launchForm: HtmlForm
  /** The form the simulator posts back to the gateway, or null when it responded with a page. */
  callbackForm: HtmlForm | null
  /** The gateway's response to the callback, or null when there was none. */
  callbackResponse: LightMyRequestResponse | null
}

/**
 * Follows a start or close URL through the simulator: the launch page, the
 * stand-in ClaveÚnica page answered with `outcome` (`ok`, a SENCE code or
 * `abandon`) and `run`, then the post back to the gateway.
 */
export async function visitThroughSimulator(
  gateway: TestGateway,
  gatewayUrl: string,
  answer: { outcome?: string; run?: string } = {},
): Promise<SimulatedVisit> {
  const launch = await getPage(gateway, gatewayUrl)
  if (launch.statusCode !== 200)
    throw new Error(`launch page answered ${launch.statusCode}: ${launch.body}`)
  const launchForm = onlyFormOf(launch.body)

  const simulator = await submitForm(gateway, launchForm)
  let page = simulator.body
  if (page.includes('name="outcome"')) {
    const loginForm = onlyFormOf(page)
    const login = await submitForm(gateway, loginForm, {
      outcome: answer.outcome ?? 'ok',
      run: answer.run ?? loginForm.fields['run'] ?? '',
    })
    page = login.body
  }

  if (!page.includes('id="autopost"'))
    return { launchForm, callbackForm: null, callbackResponse: null }
  const callbackForm = onlyFormOf(page)
  const callbackResponse = await submitForm(gateway, callbackForm)
  return { launchForm, callbackForm, callbackResponse }
}

/** Creates a login intent through the API and returns the response body. */
export async function createIntent(
  gateway: TestGateway,
  body: Record<string, unknown>,
  apiKey = gateway.otec.apiKey,
) {
  const response = await gateway.app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers: { authorization: `Bearer ${apiKey}` },
    payload: body,
  })
  return { statusCode: response.statusCode, body: response.json() as Record<string, any> }
}

export const VALID_INTENT = {
  runAlumno: '12345678-5',
  codSence: '1234567890',
  codigoCurso: 'RLAB-19-02-08-0071-1',
  lineaCapacitacion: 3,
  returnUrl: 'https://lms.example.cl/sence/back',
}
