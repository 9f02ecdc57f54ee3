// Checks of a rendered page in chromium: axe-core's accessibility rules
// (WCAG 2.0, 2.1 and 2.2, levels A and AA, and its best practices), no
// horizontal scrolling on a narrow screen, and screenshots for people to
// look at, written to test-output/screenshots (not committed).

import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { AxeBuilder } from '@axe-core/playwright'
import type { Page } from 'playwright-core'

export const SCREENSHOTS_DIR = fileURLToPath(
  new URL('../../test-output/screenshots/', import.meta.url),
)

/** Runs axe-core and returns each violation as `rule-id: description (selector, ...)`. */
export async function axeViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze()
  return results.violations.map(
    (violation) =>
      `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`,
  )
}

/** Returns how many pixels the page is wider than its viewport: 0 when nothing scrolls sideways. */
export async function horizontalOverflow(page: Page): Promise<number> {
  // A string, evaluated in the page: the test code is type-checked without the DOM's types.
  return Number(
    await page.evaluate(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    ),
  )
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true })
  const file = path.join(SCREENSHOTS_DIR, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}

/** Phone and desktop widths the pages are checked and photographed at. */
export const VIEWPORTS = [
  { label: '360', width: 360, height: 740 },
  { label: '1280', width: 1280, height: 800 },
] as const
