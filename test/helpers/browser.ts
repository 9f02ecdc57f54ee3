// A real browser for tests: Debian's chromium driven by playwright-core,
// and a gateway listening on a loopback port (browsers cannot reach
// fastify's inject) next to a stand-in LMS that receives the return URL.
//
// Playwright's own browser downloads cannot run on these machines, so the
// tests use /usr/bin/chromium (`apt-get install chromium`), and skip with
// a message saying so where it is missing.

import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'
import { startTestGateway, type TestGateway } from './gateway.ts'
import { freePort } from './gateway-process.ts'

export const CHROMIUM_PATH = '/usr/bin/chromium'

/** Flags for headless chromium in a container without a sandbox, GPU or network beyond loopback. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

/** Returns the reason to skip browser tests, or false when chromium is installed. */
export function browserSkipReason(): string | false {
  return existsSync(CHROMIUM_PATH)
    ? false
    : `${CHROMIUM_PATH} is missing: install it with \`apt-get install -y chromium\` (.ci/run does)`
}

interface Teardown {
  teardown(fn: () => unknown): void
}

/** Launches chromium with a fresh profile, closed and removed at teardown. */
export async function launchBrowser(
  t: Teardown,
  options: { javaScriptEnabled?: boolean } = {},
): Promise<BrowserContext> {
  const profile = mkdtempSync(path.join(tmpdir(), 'sg-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    // launchPersistentContext passes the fresh profile as --user-data-dir itself.
    args: CHROMIUM_ARGS,
    timeout: 30_000,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
  })
  t.teardown(async () => {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  })
  return context
}

/** A stand-in LMS that serves every GET a page showing its query and keeps each request's URL. */
export interface StandInLms {
  origin: string
  /** The return URL to give intents. */
  returnUrl: string
  /** Path and query of every request received, in order. */
  requests: string[]
}

/** A page the stand-in LMS serves at a path, made from the gateway's origin (for example one that embeds the widget). */
export type LmsPage = (gatewayOrigin: string) => string

async function startStandInLms(
  t: Teardown,
  pages: Record<string, LmsPage>,
  gatewayOrigin: string,
): Promise<StandInLms> {
  const requests: string[] = []
  const server: Server = createServer((request: IncomingMessage, response) => {
    requests.push(request.url ?? '')
    const page = pages[new URL(request.url ?? '/', 'http://lms').pathname]
    if (page !== undefined) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      response.end(page(gatewayOrigin))
      return
    }
    const query = new URL(request.url ?? '/', 'http://lms').searchParams
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end(
      `<!doctype html><html lang="es"><title>LMS</title><h1>Curso</h1>` +
        `<p id="result">${escapeHtml(query.get('result') ?? '')}</p>` +
        `<p id="error">${escapeHtml(query.get('error') ?? '')}</p></html>`,
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise((resolve) => server.close(resolve)))
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`
  return { origin, returnUrl: `${origin}/sence/back`, requests }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (character) => `&#${character.charCodeAt(0)};`)
}

export interface ListeningGateway {
  gateway: TestGateway
  /** The gateway's origin, which is also its PUBLIC_BASE_URL. */
  baseUrl: string
  lms: StandInLms
}

export interface ListeningOptions {
  /** More settings, such as FAST_WEBHOOK_SETTINGS. */
  environment?: Record<string, string>
  /** Pages of the stand-in LMS by path; any other path shows the query it received. */
  lmsPages?: Record<string, LmsPage>
  /** Runs after the app is built and before it listens, to add routes of a test's own. */
  beforeListen?: (gateway: TestGateway) => void | Promise<void>
}

/**
 * Starts the test gateway on a loopback port, with PUBLIC_BASE_URL set to
 * it, the simulator on, and a stand-in LMS whose origin the OTEC may return to.
 */
export async function startListeningGateway(
  t: Teardown,
  options: ListeningOptions = {},
): Promise<ListeningGateway> {
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const lms = await startStandInLms(t, options.lmsPages ?? {}, baseUrl)
  const gateway = await startTestGateway(t, {
    environment: { ...options.environment, PUBLIC_BASE_URL: baseUrl },
    otec: { returnOrigins: [lms.origin] },
  })
  await options.beforeListen?.(gateway)
  await gateway.app.listen({ host: '127.0.0.1', port })
  return { gateway, baseUrl, lms }
}
