// A real browser through the whole round trip, then Back and refresh after
// the return to the LMS: whatever the browser re-sends, the session makes
// one transition and one webhook, and every redirect repeats the first result.

import t from 'tap'
import type { Page, Response } from 'playwright-core'
import { createIntent, VALID_INTENT } from '../helpers/browser-flow.ts'
import {
  browserSkipReason,
  launchBrowser,
  startListeningGateway,
  type ListeningGateway,
} from '../helpers/browser.ts'
import { readSession } from '../helpers/sessions.ts'

const skip = browserSkipReason()

/** Records every response and console message of a page, to check for 5xx and CSP violations. */
function watch(page: Page) {
  const responses: Response[] = []
  const consoleErrors: string[] = []
  page.on('response', (response) => responses.push(response))
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text())
  })
  return { responses, consoleErrors }
}

/** Waits up to 15 s for the page's address to start with `prefix`. */
async function waitForAddress(page: Page, prefix: string): Promise<void> {
  const deadline = Date.now() + 15_000
  while (!page.url().startsWith(prefix)) {
    if (Date.now() > deadline) throw new Error(`the page stayed at ${page.url()}, not ${prefix}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

async function createBrowserIntent(listening: ListeningGateway) {
  const created = await createIntent(listening.gateway, {
    ...VALID_INTENT,
    returnUrl: listening.lms.returnUrl,
  })
  return { id: created.body['id'] as string, startUrl: created.body['startUrl'] as string }
}

t.test('Back and refresh after the return', { skip }, async (t) => {
  const listening = await startListeningGateway(t)
  const { gateway, lms } = listening
  const context = await launchBrowser(t)
  const page = await context.newPage()
  const seen = watch(page)
  const intent = await createBrowserIntent(listening)

  // The launch page posts itself to the simulator, and its ClaveÚnica page approves.
  await page.goto(intent.startUrl)
  await page.waitForSelector('select[name="outcome"]')
  await Promise.all([page.waitForURL(`${lms.returnUrl}?**`), page.click('text=Ingresar')])
  const firstReturn = page.url()
  t.equal(new URL(firstReturn).searchParams.get('result'), 'started')
  t.equal(new URL(firstReturn).searchParams.get('session'), intent.id)

  await page.reload()
  t.equal(page.url(), firstReturn, 'refresh stays on the LMS page')

  // Back leads to SENCE's page, the result of a POST that is not cached:
  // chromium shows its resubmission error, and refresh posts to SENCE again.
  const back = await page.goBack().then(
    () => null,
    (error: Error) => error,
  )
  if (back !== null) {
    // Back fails with net::ERR_CACHE_MISS in chromium 156, so wait for its error page.
    t.comment(`Back: ${back.message.split('\n')[0]}`)
    await page.waitForURL('chrome-error://**')
    await page.waitForLoadState()
  }
  await page.reload()
  await page.waitForSelector('select[name="outcome"]')
  t.match(page.url(), '/simulator/rcetest/Registro/IniciarSesion', "back on SENCE's page")

  // Logging in again there makes SENCE post the same ticket's callback again.
  await Promise.all([page.waitForURL(`${lms.returnUrl}?**`), page.click('text=Ingresar')])
  t.equal(page.url(), firstReturn, 'the repeated callback lands on the same result')

  const session = await readSession(gateway, intent.id)
  t.equal(session.status, 'started')
  const types = session.events.map((event) => event.type)
  t.equal(types.filter((type) => type === 'callback_applied').length, 1, 'one transition')
  t.equal(types.filter((type) => type === 'callback_duplicate').length, 1, 'one duplicate')
  t.same(
    session.webhookEvents.map((event) => event.type),
    ['session.started'],
    'one webhook',
  )
  t.same(
    lms.requests.filter((url) => url.startsWith('/sence/back')),
    Array(3).fill(new URL(firstReturn).pathname + new URL(firstReturn).search),
    'the LMS saw only the first result',
  )
  t.same(
    seen.responses.filter((response) => response.status() >= 500).map((response) => response.url()),
    [],
    'no 5xx',
  )
  t.same(
    seen.consoleErrors.filter((text) => text.includes('Content Security Policy')),
    [],
    'no CSP violation',
  )
})

t.test('launch URL opened again after the return', { skip }, async (t) => {
  const listening = await startListeningGateway(t)
  const { gateway, lms } = listening
  const context = await launchBrowser(t)
  const page = await context.newPage()
  const intent = await createBrowserIntent(listening)

  await page.goto(intent.startUrl)
  await page.waitForSelector('select[name="outcome"]')
  await page.selectOption('select[name="outcome"]', '308')
  await Promise.all([page.waitForURL(`${lms.returnUrl}?**`), page.click('text=Ingresar')])
  const firstReturn = page.url()
  t.equal(new URL(firstReturn).searchParams.get('error'), '308')

  // A bookmark or a copied link of the launch page, opened after SENCE's response.
  const again = await page.goto(intent.startUrl)
  t.equal(again?.status(), 410)
  t.match(await page.textContent('h1'), 'Este enlace ya se usó')
  await Promise.all([page.waitForURL(`${lms.returnUrl}?**`), page.click('text=Volver al curso')])
  t.equal(page.url(), firstReturn, 'its link repeats the first result')

  const session = await readSession(gateway, intent.id)
  t.equal(session.status, 'start_failed')
  t.equal(session.webhookEvents.length, 1)
})

t.test("double click on SENCE's button", { skip }, async (t) => {
  const listening = await startListeningGateway(t)
  const { gateway, lms } = listening
  const context = await launchBrowser(t)
  const page = await context.newPage()
  const intent = await createBrowserIntent(listening)

  await page.goto(intent.startUrl)
  await page.waitForSelector('select[name="outcome"]')
  await page.dblclick('text=Ingresar')
  // The second click aborts the first click's navigation, which makes
  // waitForURL fail, so this polls the address instead.
  await waitForAddress(page, lms.returnUrl)
  t.equal(new URL(page.url()).searchParams.get('result'), 'started')

  const session = await readSession(gateway, intent.id)
  t.equal(session.status, 'started')
  t.equal(
    session.events.filter((event) => event.type === 'callback_applied').length,
    1,
    'one transition',
  )
  t.equal(session.webhookEvents.length, 1, 'one webhook')
})
