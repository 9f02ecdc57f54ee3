// The admin dashboard in Debian's chromium, as a person uses it: sign in,
// filter the sessions, read why one failed, redeliver its webhook and
// download the attendance CSV. On the way, axe-core checks every page at
// 360 and 1280 pixels, and each is photographed to test-output/screenshots.

import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { describeSenceError } from '../../src/protocol/error-table.ts'
import { buildAdminWorld, createStaff, STAFF_PASSWORD, waitUntil } from '../helpers/admin.ts'
import { browserSkipReason, launchBrowser, startListeningGateway } from '../helpers/browser.ts'
import {
  axeViolations,
  horizontalOverflow,
  saveScreenshot,
  VIEWPORTS,
} from '../helpers/page-checks.ts'
import { FAST_WEBHOOK_SETTINGS } from '../helpers/webhook-worker.ts'

const skip = browserSkipReason()

async function checkPage(t: Test, page: Page, name: string) {
  for (const viewport of VIEWPORTS) {
    await page.setViewportSize({ width: viewport.width, height: viewport.height })
    t.same(await axeViolations(page), [], `${name} at ${viewport.label}: no axe violations`)
    t.equal(
      await horizontalOverflow(page),
      0,
      `${name} at ${viewport.label}: nothing scrolls sideways`,
    )
    await saveScreenshot(page, `admin-${name}-${viewport.label}`)
  }
  await page.setViewportSize({ width: 1280, height: 800 })
}

t.test('sign in, filter, redeliver, download CSV', { skip }, async (t) => {
  const site = await startListeningGateway(t, { environment: FAST_WEBHOOK_SETTINGS })
  const { gateway } = site
  const world = await buildAdminWorld(t, gateway, { returnUrl: site.lms.returnUrl })
  const staff = await createStaff(gateway)
  const context = await launchBrowser(t)
  const page = await context.newPage()
  await page.setViewportSize({ width: 1280, height: 800 })

  await page.goto(`${site.baseUrl}/admin`)
  t.match(page.url(), `${site.baseUrl}/admin/sign-in?next=%2Fadmin`)
  await checkPage(t, page, 'sign-in')
  await page.fill('#email', staff.email)
  await page.fill('#password', 'no es la clave')
  await page.click('button:has-text("Ingresar")')
  await page.waitForSelector('.problems')
  await checkPage(t, page, 'sign-in-failed')
  await page.fill('#password', STAFF_PASSWORD)
  await Promise.all([
    page.waitForURL(`${site.baseUrl}/admin`),
    page.click('button:has-text("Ingresar")'),
  ])
  await checkPage(t, page, 'overview')
  t.equal(await page.locator('.chart svg[role="img"] rect').count(), 28 * 3, 'the chart is drawn')

  // Filter the sessions down to the failed start.
  await page.click('nav >> text=Sesiones')
  await checkPage(t, page, 'sessions')
  await page.selectOption('#status', 'start_failed')
  await page.click('button:has-text("Filtrar")')
  await page.waitForURL('**/admin/sessions?**status=start_failed**')
  const rows = page.locator('tbody tr')
  t.equal(await rows.count(), 1, 'one failed start')
  await checkPage(t, page, 'sessions-filtered')

  await rows.locator('a').click()
  await page.waitForURL(`**/admin/sessions/${world.sessions.start_failed}`)
  t.match(await page.textContent('#failure-title'), 'código SENCE 308')
  t.match(await page.textContent('.failure'), describeSenceError(308).guidance)
  await checkPage(t, page, 'session-failed')

  // The LMS's receiver is fixed; the webhook is sent again with the same id.
  const delivery = await gateway.db.prisma.webhookDelivery.findFirstOrThrow({
    where: { event: { sessionId: world.sessions.start_failed } },
  })
  t.equal(delivery.status, 'failed')
  const before = world.receiver.received.filter(
    (webhook) => webhook.webhookId === delivery.eventId,
  ).length
  world.receiver.respond = () => ({ status: 204 })
  await page.click('button:has-text("Reenviar")')
  await page.waitForURL(`**/admin/webhooks/${delivery.id}?notice=redelivered`)
  t.match(await page.textContent('.notice'), 'se enviará de nuevo')
  await world.receiver.waitFor(
    (received) =>
      received.filter((webhook) => webhook.webhookId === delivery.eventId).length === before + 1,
  )
  await waitUntil(
    async () =>
      (await gateway.db.prisma.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } }))
        .status === 'succeeded',
  )
  await page.reload()
  t.match(await page.textContent('dl.fields'), 'Entregado')
  t.equal(await page.locator('tbody tr').count(), before + 1, 'every attempt listed')
  await checkPage(t, page, 'webhook-delivery')

  await page.click('nav >> text=Webhooks')
  await checkPage(t, page, 'webhooks')
  await page.click('nav >> text=Sin cerrar')
  t.equal(await page.locator('tbody tr').count(), 3)
  await checkPage(t, page, 'open-sessions')
  await page.click('nav >> text=Errores')
  await checkPage(t, page, 'errors')
  await page.click('nav >> text=Configuración')
  await checkPage(t, page, 'settings')

  // Attendance of the course, then its CSV.
  await page.click('nav >> text=Asistencia')
  await page.selectOption('#codigoCurso', 'RLAB-19-02-08-0071-1')
  await page.click('button:has-text("Ver asistencia")')
  await page.waitForURL('**/admin/attendance?codigoCurso=RLAB-19-02-08-0071-1**')
  await checkPage(t, page, 'attendance')
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('text=Descargar CSV para Excel'),
  ])
  t.equal(download.suggestedFilename(), 'asistencia-RLAB-19-02-08-0071-1.csv')
  const csv = readFileSync((await download.path()) as string, 'utf8')
  const lines = csv.replace(/^\uFEFF/, '').split('\r\n')
  t.equal(lines[0]?.split(';')[0], 'runAlumno', 'semicolons, for Excel in Spanish')
  t.match(lines[1], /^12345678-5;RLAB-19-02-08-0071-1;4;1;3;1;/)

  await page.goto(`${site.baseUrl}/admin/nowhere`)
  await checkPage(t, page, 'not-found')

  await page.goto(`${site.baseUrl}/admin`)
  await page.click('button:has-text("Cerrar sesión")')
  await page.waitForURL('**/admin/sign-in?signed-out=1')
  await page.goto(`${site.baseUrl}/admin/errors`)
  t.match(page.url(), '/admin/sign-in?next=%2Fadmin%2Ferrors', 'signed out')
})
