// Measure (e): whole login-and-logout flows, each driven the way a browser
// without JavaScript and an LMS would drive them. A flow creates the
// intent, loads the launch page, posts its form to the simulator and posts
// the simulator's form back to the callback. It then requests the close and
// goes through the launch page, the simulator and the callback again. Forms
// are read from the pages, never built by hand, so a change in a page's
// fields is followed.

import { Agent, request as httpRequest } from 'node:http'
import { performance } from 'node:perf_hooks'
import { parse } from 'node-html-parser'
import type { CpuCost } from './cpu.ts'
import { intentBody } from './intents.ts'
import { percentile, round } from './stats.ts'

export interface FlowRun {
  gatewayUrl: string
  apiKey: string
  returnUrl: string
  /** Flows in progress at once. */
  concurrency: number
  durationSeconds: number
}

export interface FlowFigures {
  /** Whole flows completed per second, or null when too many failed. */
  flowsPerSecond: number | null
  /** Time of one whole flow, in milliseconds. */
  p50Ms: number | null
  p99Ms: number | null
  /** HTTP requests per second made by the flows, and their latency. */
  requestsPerSecond: number
  requestP50Ms: number | null
  requestP99Ms: number | null
  flows: number
  /** Failed flows by the step that failed and what it got. */
  failures: Record<string, number>
  durationSeconds: number
  /** CPU milliseconds per completed flow, by process; null when none completed. */
  cpu?: CpuCost | null
  reason?: string
}

interface Response {
  status: number
  location: string | undefined
  body: string
}

/** A flow failed at a step: the key it is counted under. */
class FlowStepError extends Error {}

const MAX_FAILED_SHARE = 0.01

export async function measureFlows(run: FlowRun): Promise<FlowFigures> {
  const agent = new Agent({ keepAlive: true, maxSockets: run.concurrency })
  const requestLatencies: number[] = []
  const flowLatencies: number[] = []
  const failures: Record<string, number> = {}

  const send = (method: string, url: string, headers: Record<string, string>, body?: string) =>
    new Promise<Response>((resolve, reject) => {
      const startedAt = performance.now()
      const request = httpRequest(url, { method, headers, agent }, (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          requestLatencies.push(performance.now() - startedAt)
          resolve({
            status: response.statusCode ?? 0,
            location: response.headers.location,
            body: Buffer.concat(chunks).toString('utf8'),
          })
        })
        response.on('error', reject)
      })
      request.on('error', reject)
      request.end(body)
    })

  const expect = (step: string, response: Response, status: number) => {
    if (response.status !== status) throw new FlowStepError(`${step}: ${response.status}`)
    return response
  }

  /** Loads a gateway page with one form and submits the form, following the simulator's pages until a form posts to a callback. */
  const throughSimulator = async (step: string, pageUrl: string) => {
    let page = expect(`${step} launch page`, await send('GET', pageUrl, {}), 200)
    for (let hops = 0; hops < 3; hops += 1) {
      const form = onlyForm(page.body, step)
      const posted = await send(
        'POST',
        new URL(form.action, run.gatewayUrl).href,
        { 'content-type': 'application/x-www-form-urlencoded' },
        new URLSearchParams(form.fields).toString(),
      )
      if (form.action.includes('/cb/')) return expect(`${step} callback`, posted, 303)
      page = expect(`${step} simulator`, posted, 200)
    }
    throw new FlowStepError(`${step}: no callback form after 3 pages`)
  }

  const api = { 'content-type': 'application/json', authorization: `Bearer ${run.apiKey}` }
  const body = intentBody(run.returnUrl)

  const oneFlow = async () => {
    const created = expect(
      'create',
      await send('POST', `${run.gatewayUrl}/v1/sessions`, api, body),
      201,
    )
    const session = JSON.parse(created.body) as { id: string; startUrl: string }
    await throughSimulator('start', session.startUrl)

    const closing = expect(
      'close',
      await send('POST', `${run.gatewayUrl}/v1/sessions/${session.id}/close`, api, '{}'),
      200,
    )
    const { closeUrl } = JSON.parse(closing.body) as { closeUrl: string }
    await throughSimulator('close', closeUrl)
  }

  const startedAt = performance.now()
  const deadline = startedAt + run.durationSeconds * 1000
  const worker = async () => {
    while (performance.now() < deadline) {
      const flowStartedAt = performance.now()
      try {
        await oneFlow()
        flowLatencies.push(performance.now() - flowStartedAt)
      } catch (error) {
        const key =
          error instanceof FlowStepError ? error.message : `error: ${(error as Error).message}`
        failures[key] = (failures[key] ?? 0) + 1
      }
    }
  }
  await Promise.all(Array.from({ length: run.concurrency }, worker))
  const elapsedSeconds = (performance.now() - startedAt) / 1000
  agent.destroy()

  const flows = flowLatencies.length
  const failed = Object.values(failures).reduce((sum, count) => sum + count, 0)
  const figures: FlowFigures = {
    flowsPerSecond: round(flows / elapsedSeconds),
    p50Ms: percentile(flowLatencies, 50),
    p99Ms: percentile(flowLatencies, 99),
    requestsPerSecond: round(requestLatencies.length / elapsedSeconds),
    requestP50Ms: percentile(requestLatencies, 50),
    requestP99Ms: percentile(requestLatencies, 99),
    flows,
    failures,
    durationSeconds: round(elapsedSeconds, 2),
  }
  if (flows + failed === 0 || failed / (flows + failed) > MAX_FAILED_SHARE) {
    figures.flowsPerSecond = null
    figures.reason = `${failed} of ${flows + failed} flows failed (${Object.entries(failures)
      .map(([key, count]) => `${count} × ${key}`)
      .join(', ')})`
  }
  return figures
}

interface Form {
  action: string
  fields: Record<string, string>
}

/** Reads the only form of a page: its action and every named input and select (a select's first option). */
function onlyForm(html: string, step: string): Form {
  const forms = parse(html).querySelectorAll('form')
  const form = forms[0]
  if (forms.length !== 1 || form === undefined)
    throw new FlowStepError(`${step}: page has ${forms.length} forms`)
  const fields: Record<string, string> = {}
  for (const input of form.querySelectorAll('input[name]'))
    fields[input.getAttribute('name') as string] = input.getAttribute('value') ?? ''
  for (const select of form.querySelectorAll('select[name]'))
    fields[select.getAttribute('name') as string] =
      select.querySelector('option')?.getAttribute('value') ?? ''
  return { action: form.getAttribute('action') ?? '', fields }
}
