// Every page a student can see, in Debian's chromium: axe-core finds no
// violation, nothing scrolls sideways on a 360-pixel phone, and a
// screenshot at 360 and 1280 pixels goes to test-output/screenshots for a
// person to look at. Pages that take part in a round trip are reached
// through it; the others are rendered by their own page functions through
// renderMessagePage, as the routes do, on a route of this test.

import type { Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { addMessagePageRoute, MESSAGE_PAGES } from '../helpers/student-page-states.ts'
import { createIntent, VALID_INTENT } from '../helpers/browser-flow.ts'
import {
  browserSkipReason,
  launchBrowser,
  startListeningGateway,
  type ListeningGateway,
} from '../helpers/browser.ts'
import {
  axeViolations,
  horizontalOverflow,
  saveScreenshot,
  VIEWPORTS,
} from '../helpers/page-checks.ts'
import { requestCloseThroughApi } from '../helpers/sessions.ts'

const skip = browserSkipReason()
async function listening(t: Test): Promise<ListeningGateway> {
  return startListeningGateway(t, {
    beforeListen: (gateway) => addMessagePageRoute(gateway.app),
  })
}

async function intentUrl(listening: ListeningGateway): Promise<string> {
  const created = await createIntent(listening.gateway, {
    ...VALID_INTENT,
    returnUrl: listening.lms.returnUrl,
  })
  return created.body['startUrl'] as string
}

/** Checks the page at both widths and saves its screenshots; resizing does not reload it. */
async function checkPage(t: Test, page: Page, name: string, expect: { simulation: boolean }) {
  t.equal(await page.getAttribute('html', 'lang'), 'es', `${name}: Spanish`)
  t.equal(await page.locator('h1').count(), 1, `${name}: one h1`)
  t.equal(
    await page.locator('.simulation-banner').count(),
    expect.simulation ? 1 : 0,
    `${name}: simulation banner`,
  )
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize({ width: viewport.width, height: viewport.height })
    t.equal(
      await horizontalOverflow(page),
      0,
      `${name} at ${viewport.label}: nothing scrolls sideways`,
    )
    t.same(await axeViolations(page), [], `${name} at ${viewport.label}: no axe violations`)
    await saveScreenshot(page, `student-${name}-${viewport.label}`)
  }
  await page.setViewportSize({ width: VIEWPORTS[0].width, height: VIEWPORTS[0].height })
}

t.test('student pages', { skip }, async (t) => {
  const site = await listening(t)
  const context = await launchBrowser(t)
  // The auto-submit is turned off so that each page stays to be checked; the
  // test below goes through with JavaScript off, pressing each button.
  await context.addInitScript('HTMLFormElement.prototype.submit = function () {}')
  const page = await context.newPage()
  await page.setViewportSize({ width: 360, height: 740 })

  t.test('pages of the round trip', async (t) => {
    await page.goto(await intentUrl(site))
    await checkPage(t, page, 'launch-start', { simulation: false })
    const help = page.locator('a[href="https://claveunica.gob.cl/"]')
    t.equal(await help.count(), 1, 'the ClaveÚnica instructions link to claveunica.gob.cl')
    t.ok(await page.locator('button:has-text("Continuar a SENCE")').isVisible(), 'a visible button')

    await page.click('text=Continuar a SENCE')
    await page.waitForSelector('select[name="outcome"]')
    await checkPage(t, page, 'simulator-claveunica', { simulation: true })

    await page.fill('#run', '12345678-4')
    await page.click('text=Ingresar')
    await page.waitForSelector('[role="alert"]')
    await checkPage(t, page, 'simulator-claveunica-invalid-run', { simulation: true })

    await page.fill('#run', '12345678-5')
    await page.click('text=Ingresar')
    await page.waitForSelector('#autopost')
    await checkPage(t, page, 'simulator-post-back', { simulation: true })
    await Promise.all([
      page.waitForURL(`${site.lms.returnUrl}?**`),
      page.click('text=Volver al curso'),
    ])

    const sessionId = new URL(page.url()).searchParams.get('session') as string
    const close = await requestCloseThroughApi(site.gateway, sessionId)
    await page.goto(close.json().closeUrl)
    await checkPage(t, page, 'launch-close', { simulation: false })
    await page.click('text=Continuar a SENCE')
    await page.waitForSelector('select[name="outcome"]')
    await checkPage(t, page, 'simulator-claveunica-close', { simulation: true })
    await page.selectOption('#outcome', 'abandon')
    await page.click('text=Ingresar')
    await page.waitForSelector('text=Saliste de ClaveÚnica')
    await checkPage(t, page, 'simulator-abandon', { simulation: true })

    await page.goto(`${site.baseUrl}/go/AAAAAAAAAAAAAAAAAAAAAA`)
    t.match(await page.textContent('h1'), 'Este enlace no es válido')
    await checkPage(t, page, 'launch-unknown-ticket', { simulation: false })
  })

  t.test('pages of every other state', async (t) => {
    for (const name of Object.keys(MESSAGE_PAGES)) {
      const response = await page.goto(`${site.baseUrl}/test-pages/${name}`)
      t.equal(response?.status(), MESSAGE_PAGES[name]?.status, `${name}: status`)
      await checkPage(t, page, name, { simulation: false })
    }
  })
})

t.test('the round trip without JavaScript', { skip }, async (t) => {
  const site = await listening(t)
  const context = await launchBrowser(t, { javaScriptEnabled: false })
  const page = await context.newPage()
  await page.goto(await intentUrl(site))
  t.match(await page.textContent('h1'), 'Vamos a SENCE', 'the launch page stays without its script')
  await page.click('text=Continuar a SENCE')
  await page.waitForSelector('select[name="outcome"]')
  await page.click('text=Ingresar')
  await page.waitForSelector('#autopost')
  await Promise.all([
    page.waitForURL(`${site.lms.returnUrl}?**`),
    page.click('text=Volver al curso'),
  ])
  t.equal(new URL(page.url()).searchParams.get('result'), 'started')
})
