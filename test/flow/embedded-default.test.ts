import { mkdtempSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { freePort, startGatewayProcess, waitForOutput } from '../helpers/gateway-process.ts'
import { onlyFormOf } from '../helpers/html-forms.ts'

async function postForm(action: string, fields: Record<string, string>): Promise<Response> {
  return fetch(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  })
}

/** Signs in to the dashboard as a browser would: the form's CSRF token and cookie, then the post. */
async function signInStatus(base: string, email: string, password: string): Promise<number> {
  const form = await fetch(`${base}/admin/sign-in`)
  const cookie = form.headers
    .getSetCookie()
    .map((value) => value.split(';')[0])
    .join('; ')
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? ''
  const response = await fetch(`${base}/admin/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ _csrf: token, email, password }).toString(),
    redirect: 'manual',
  })
  return response.status
}

t.test('embedded default runs a login and keeps its key', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sg-embedded-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const port = await freePort()
  const base = `http://localhost:${port}`
  const environment = { DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' }

  const first = startGatewayProcess(['serve'], environment)
  t.teardown(() => first.child.kill('SIGKILL'))
  await waitForOutput(first, (_out, err) => err.includes('demo API key:'), 60_000)
  const apiKey = /demo API key:\s+(sk_test_\S+)/.exec(first.stderr())?.[1] as string
  t.match(apiKey, /^sk_test_/)
  t.match(first.stderr(), new RegExp(`try it:\\s+${base}/demo`))
  t.equal(
    statSync(path.join(dataDir, 'demo-otec.json')).mode & 0o777,
    0o600,
    'key file readable by its owner only',
  )
  t.equal(statSync(path.join(dataDir, 'encryption-keys')).mode & 0o777, 0o600)
  const dashboard = new RegExp(
    `dashboard:\\s+${base}/admin\\s+\\(demo@otec\\.example, password (\\S+)\\)`,
  )
  const password = dashboard.exec(first.stderr())?.[1] as string
  t.match(password, /^[A-Za-z0-9_-]{16}$/, 'a demo staff account for the dashboard')
  t.equal(statSync(path.join(dataDir, 'demo-staff.json')).mode & 0o777, 0o600)
  t.equal(await signInStatus(base, 'demo@otec.example', password), 303, 'it signs in')

  const created = await fetch(`${base}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      runAlumno: '12345678-5',
      codSence: '-1',
      codigoCurso: '-1',
      lineaCapacitacion: 3,
      returnUrl: `${base}/demo/back`,
    }),
  })
  t.equal(created.status, 201)
  const session = (await created.json()) as { id: string; startUrl: string }

  const launch = onlyFormOf(await (await fetch(session.startUrl)).text())
  t.equal(launch.action, `${base}/simulator/rcetest/Registro/IniciarSesion`)
  const login = onlyFormOf(await (await postForm(launch.action, launch.fields)).text())
  const answer = onlyFormOf(
    await (
      await postForm(new URL(login.action, base).href, { ...login.fields, outcome: 'ok' })
    ).text(),
  )
  const callback = await postForm(answer.action, answer.fields)
  t.equal(callback.status, 303)
  t.equal(new URL(callback.headers.get('location') as string).searchParams.get('result'), 'started')

  first.child.kill('SIGTERM')
  t.equal(await first.exited, 0, 'SIGTERM stops the server cleanly')

  const second = startGatewayProcess(['serve'], environment)
  t.teardown(() => second.child.kill('SIGKILL'))
  await waitForOutput(second, (_out, err) => err.includes('demo API key:'), 60_000)
  t.equal(
    /demo API key:\s+(sk_test_\S+)/.exec(second.stderr())?.[1],
    apiKey,
    'same key after a restart',
  )
  t.equal(dashboard.exec(second.stderr())?.[1], password, 'same password after a restart')

  const stored = await fetch(`${base}/v1/sessions/${session.id}`, {
    headers: { authorization: `Bearer ${apiKey}` },
  })
  t.equal(stored.status, 200)
  t.equal(
    ((await stored.json()) as { status: string }).status,
    'started',
    'data kept across the restart',
  )

  const third = startGatewayProcess(['serve'], { ...environment, PORT: String(await freePort()) })
  t.not(await third.exited, 0, 'a second process on the same DATA_DIR is refused')
  t.match(third.stderr() + third.stdout(), /in use by process/)

  second.child.kill('SIGTERM')
  t.equal(await second.exited, 0)
})
