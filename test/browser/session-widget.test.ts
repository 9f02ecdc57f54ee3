// The session widget on a stand-in LMS's course page, embedded with its
// one script tag, in Debian's chromium: the timer runs, the token is
// renewed, the alert comes 10 minutes before the allotted time ends, axe
// finds no violation, and the logout button takes the whole window
// through SENCE's close and back to the LMS. Playwright's clock moves the
// page's time forward; the gateway's clock is the real one.

import t from 'tap'
import { browserSkipReason, launchBrowser, startListeningGateway } from '../helpers/browser.ts'
import {
  axeViolations,
  horizontalOverflow,
  saveScreenshot,
  VIEWPORTS,
} from '../helpers/page-checks.ts'
import { readSession, startSession } from '../helpers/sessions.ts'

const skip = browserSkipReason()

t.test('the widget on the course page', { skip }, async (t) => {
  let token = ''
  const site = await startListeningGateway(t, {
    lmsPages: {
      '/curso': (gatewayOrigin) =>
        `<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Curso de prueba</title></head>` +
        `<body><main><h1>Curso de prueba</h1><p>Contenido del curso.</p>` +
        `<script src="${gatewayOrigin}/assets/session-widget.js" data-token="${token}" async></script>` +
        `</main></body></html>`,
    },
  })
  const { gateway } = site
  const session = await startSession(gateway, { intent: { returnUrl: site.lms.returnUrl } })
  const issued = await gateway.app.inject({
    method: 'POST',
    url: `/v1/sessions/${session.id}/widget-token`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
  })
  token = issued.json().token

  const context = await launchBrowser(t)
  await context.clock.install()
  const page = await context.newPage()
  await page.setViewportSize({ width: 360, height: 740 })
  const consoleErrors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text())
  })
  await page.goto(`${site.lms.origin}/curso`)
  const frame = page.frameLocator('iframe[title="Tu sesión SENCE"]')
  await frame.locator('#elapsed').waitFor()
  t.match(await frame.locator('h1').textContent(), 'Tu sesión SENCE está abierta')

  const first = await frame.locator('#elapsed').textContent()
  t.match(first, /^0:00:\d\d$/)
  await context.clock.fastForward(61_000)
  await frame.locator('#elapsed', { hasText: /^0:01:\d\d$/ }).waitFor()
  t.pass('the timer advances')
  await frame
    .locator(`input[name="token"]:not([value="${token}"])`)
    .waitFor({ state: 'attached' })
    .catch(() => {})
  const renewed = await frame.locator('input[name="token"]').inputValue()
  t.not(renewed, token, 'the token was renewed after a minute')

  const height = (await page.locator('iframe').boundingBox())?.height ?? 0
  const content = Number(
    await frame
      .locator('html')
      .evaluate((element) => (element as unknown as { scrollHeight: number }).scrollHeight),
  )
  t.ok(
    Math.abs(height - content) <= 1,
    `the iframe fits its content (${height} px for ${content} px)`,
  )

  t.equal((await frame.locator('#session-alert').textContent())?.trim(), '', 'no alert yet')
  await context.clock.fastForward(169 * 60_000)
  await frame.locator('#session-alert', { hasText: 'Quedan 10 minutos' }).waitFor()
  t.pass('the alert, 10 minutes before the allotted time ends')

  for (const viewport of VIEWPORTS) {
    await page.setViewportSize({ width: viewport.width, height: viewport.height })
    t.same(await axeViolations(page), [], `widget at ${viewport.label}: no axe violations`)
    t.equal(
      await horizontalOverflow(page),
      0,
      `widget at ${viewport.label}: nothing scrolls sideways`,
    )
    await saveScreenshot(page, `widget-alert-${viewport.label}`)
  }
  t.same(consoleErrors, [], 'no console errors (CSP, framing)')

  await Promise.all([
    page.waitForURL('**/simulator/rcetest/Registro/CerrarSesion'),
    frame.locator('button', { hasText: 'Cerrar sesión en SENCE' }).click(),
  ])
  t.pass('the whole window went to SENCE')
  await Promise.all([page.waitForURL(`${site.lms.returnUrl}?**`), page.click('text=Ingresar')])
  t.equal(new URL(page.url()).searchParams.get('result'), 'closed')
  t.equal((await readSession(gateway, session.id)).status, 'closed')

  // The same course page later: the widget of a closed session, then of a token that is not one.
  const later = await gateway.app.inject({
    method: 'POST',
    url: `/v1/sessions/${session.id}/widget-token`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
  })
  for (const [name, value, title] of [
    ['closed', later.json().token, 'Tu sesión SENCE quedó cerrada'],
    ['invalid-token', 'wt_invalid', 'Este contador no es válido'],
  ] as const) {
    token = value
    await page.goto(`${site.lms.origin}/curso`)
    await frame.locator('h1', { hasText: title }).waitFor()
    t.equal(await frame.locator('button').count(), 0, `${name}: no logout button`)
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize({ width: viewport.width, height: viewport.height })
      t.same(
        await axeViolations(page),
        [],
        `widget ${name} at ${viewport.label}: no axe violations`,
      )
      await saveScreenshot(page, `widget-${name}-${viewport.label}`)
    }
  }
})

// With the shortest lifetime the API accepts (60 s), the script renews the
// token at a third of its remaining life, long before it expires.
t.test('renewal with the shortest lifetime', { skip }, async (t) => {
  let token = ''
  const site = await startListeningGateway(t, {
    lmsPages: {
      '/curso': (gatewayOrigin) =>
        `<!doctype html><html lang="es"><head><meta charset="utf-8"><title>Curso de prueba</title></head>` +
        `<body><main><h1>Curso de prueba</h1>` +
        `<script src="${gatewayOrigin}/assets/session-widget.js" data-token="${token}" async></script>` +
        `</main></body></html>`,
    },
  })
  const { gateway } = site
  const session = await startSession(gateway, { intent: { returnUrl: site.lms.returnUrl } })
  const issued = await gateway.app.inject({
    method: 'POST',
    url: `/v1/sessions/${session.id}/widget-token`,
    headers: { authorization: `Bearer ${gateway.otec.apiKey}` },
    payload: { ttlSeconds: 60 },
  })
  token = issued.json().token

  const context = await launchBrowser(t)
  await context.clock.install()
  const page = await context.newPage()
  await page.goto(`${site.lms.origin}/curso`)
  const frame = page.frameLocator('iframe[title="Tu sesión SENCE"]')
  await frame.locator('#elapsed').waitFor()

  await context.clock.fastForward(21_000)
  await frame
    .locator(`input[name="token"]:not([value="${token}"])`)
    .waitFor({ state: 'attached' })
    .catch(() => {})
  const renewed = await frame.locator('input[name="token"]').inputValue()
  t.not(renewed, token, 'the token was renewed within 21 seconds')

  // A button whose token cannot be used shows a page that leads back.
  await frame.locator('input[name="token"]').evaluate((field) => {
    ;(field as unknown as { value: string }).value = 'wt_forged'
  })
  await Promise.all([
    page.waitForURL('**/widget/close'),
    frame.locator('button', { hasText: 'Cerrar sesión en SENCE' }).click(),
  ])
  t.match(
    await page.textContent('h1'),
    'No pudimos iniciar el cierre de tu sesión',
    'the whole window shows why, in Spanish',
  )
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize({ width: viewport.width, height: viewport.height })
    t.same(await axeViolations(page), [], `rejected logout at ${viewport.label}: no axe violations`)
    await saveScreenshot(page, `widget-logout-rejected-${viewport.label}`)
  }
})
