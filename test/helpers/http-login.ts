// Drives a student's login over real HTTP against a gateway process: the
// launch page, the simulator's ClaveÚnica page answered `ok`, and the
// callback. Returns the callback's response (a 303 when it was applied).

import { onlyFormOf } from './html-forms.ts'

async function postForm(action: string, fields: Record<string, string>): Promise<Response> {
  return fetch(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  })
}

/** Creates a login intent with the API and completes it through the simulator. */
export async function loginOverHttp(
  base: string,
  apiKey: string,
  returnUrl?: string,
): Promise<{ sessionId: string; callback: Response }> {
  const created = await fetch(`${base}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      runAlumno: '12345678-5',
      codSence: '-1',
      codigoCurso: '-1',
      lineaCapacitacion: 3,
      returnUrl,
    }),
  })
  if (created.status !== 201) throw new Error(`create intent answered ${created.status}`)
  const session = (await created.json()) as { id: string; startUrl: string }
  const launch = onlyFormOf(await (await fetch(session.startUrl)).text())
  const login = onlyFormOf(await (await postForm(launch.action, launch.fields)).text())
  const answer = onlyFormOf(
    await (
      await postForm(new URL(login.action, base).href, { ...login.fields, outcome: 'ok' })
    ).text(),
  )
  return { sessionId: session.id, callback: await postForm(answer.action, answer.fields) }
}
