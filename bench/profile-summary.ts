// Summarises a V8 CPU profile written by `node --cpu-prof`: the functions
// with the most self time, and self time by package, so that a profile can
// be read without a browser's devtools.
//
//   npx node bench/profile-summary.ts FILE.cpuprofile [TOP] [LETTER]
//
// With a measure's LETTER, only the samples taken while that measure ran
// count, as bench/results/latest-partial.json of the profiling run records.

import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  hitCount?: number
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples: number[]
  timeDeltas: number[]
}

export interface SelfTime {
  name: string
  ms: number
  percent: number
}

export interface ProfileSummary {
  totalMs: number
  /** Share of the samples in which the process was idle (waiting for I/O). */
  idlePercent: number
  functions: SelfTime[]
  packages: SelfTime[]
}

/**
 * A span of the profiled process's monotonic clock, in microseconds: V8's
 * profile timestamps and `process.hrtime.bigint() / 1000n` in another
 * process on the same Linux machine both read CLOCK_MONOTONIC.
 */
export type ClockWindow = readonly [startUs: number, endUs: number]

/**
 * Sums the self time of each function of a profile, over the whole profile
 * or only over the samples taken inside `windows`.
 */
export function summariseProfile(
  path: string,
  top = 25,
  windows: readonly ClockWindow[] | null = null,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))

  // Each sample names the node that was running; the next time delta is how long it ran.
  const selfMs = new Map<number, number>()
  let sampledAt = profile.startTime
  profile.samples.forEach((nodeId, index) => {
    sampledAt += profile.timeDeltas[index] ?? 0
    if (windows !== null && !windows.some(([start, end]) => sampledAt >= start && sampledAt <= end))
      return
    const delta = (profile.timeDeltas[index + 1] ?? 0) / 1000
    selfMs.set(nodeId, (selfMs.get(nodeId) ?? 0) + delta)
  })
  const totalMs = [...selfMs.values()].reduce((sum, ms) => sum + ms, 0)

  const parents = new Map<number, number>()
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node.id)
  // A native function (a system call, a C++ binding) is named with the first
  // frame of a package or of the project that led to it, and its time is
  // counted to that package, because `writev` alone does not show who wrote.
  const callerOf = (nodeId: number) => {
    for (let id = parents.get(nodeId); id !== undefined; id = parents.get(id)) {
      const frame = nodes.get(id)?.callFrame
      if (frame !== undefined && /node_modules\/|\/(src|bin)\//.test(frame.url)) return frame
    }
    return undefined
  }

  const byFunction = new Map<string, number>()
  const byPackage = new Map<string, number>()
  let idleMs = 0
  for (const [nodeId, ms] of selfMs) {
    const frame = nodes.get(nodeId)?.callFrame
    if (frame === undefined) continue
    if (frame.functionName === '(idle)') idleMs += ms
    const native = frame.url === '' && !frame.functionName.startsWith('(')
    const caller = native ? callerOf(nodeId) : undefined
    const name =
      caller === undefined
        ? frameName(frame)
        : `${frame.functionName || '(anonymous)'} ← ${frameName(caller)}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms)
    const owner =
      caller === undefined
        ? packageOf(frame.url, frame.functionName)
        : `${packageOf(caller.url, caller.functionName)} (native calls)`
    byPackage.set(owner, (byPackage.get(owner) ?? 0) + ms)
  }

  const share = (ms: number) => (totalMs === 0 ? 0 : Math.round((ms / totalMs) * 1000) / 10)
  const ranked = (entries: Map<string, number>, count: number) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, ms]) => ({
        name,
        ms: Math.round(ms),
        percent: share(ms),
      }))
  return {
    totalMs: Math.round(totalMs),
    idlePercent: share(idleMs),
    functions: ranked(byFunction, top),
    packages: ranked(byPackage, byPackage.size),
  }
}

/** Names the package or part of the project a frame belongs to. */
function packageOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  if (url.startsWith('node:')) return 'node: (built-in modules)'
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (inModules?.[1] !== undefined) return inModules[1]
  const inProject = /\/(src\/[^/]+|bin)\//.exec(url)
  return inProject?.[1] ?? url
}

function frameName(frame: ProfileNode['callFrame']): string {
  const where = frame.url === '' ? '' : ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}`
  return `${frame.functionName || '(anonymous)'}${where}`
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\/.*?\/node_modules\//, '')
    .replace(/^file:\/\/.*?\/(src|bin)\//, '$1/')
}

export function formatSummary(summary: ProfileSummary): string {
  if (summary.totalMs === 0) return 'no samples'
  const lines = [
    `${summary.totalMs} ms sampled, ${summary.idlePercent}% idle`,
    '',
    'self time by function:',
    ...summary.functions.map(
      (entry) =>
        `  ${String(entry.ms).padStart(7)} ms ${String(entry.percent).padStart(5)}%  ${entry.name}`,
    ),
    '',
    'self time by package:',
    ...summary.packages.map(
      (entry) =>
        `  ${String(entry.ms).padStart(7)} ms ${String(entry.percent).padStart(5)}%  ${entry.name}`,
    ),
  ]
  return lines.join('\n')
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [file, top, letter] = process.argv.slice(2)
  if (file === undefined) {
    console.error('usage: npx node bench/profile-summary.ts FILE.cpuprofile [TOP] [LETTER]')
    process.exit(2)
  }
  let windows: ClockWindow[] | null = null
  if (letter !== undefined) {
    const resultsFile = path.join(path.dirname(file), 'latest-partial.json')
    const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as {
      profile?: { file: string; windows: Record<string, ClockWindow[]> }
    }
    if (
      results.profile === undefined ||
      path.basename(results.profile.file) !== path.basename(file)
    )
      throw new Error(`${resultsFile} is not the results of the run that wrote ${file}`)
    windows = results.profile.windows[letter] ?? null
    if (windows === null) throw new Error(`measure (${letter}) did not run in that run`)
  }
  console.log(formatSummary(summariseProfile(file, top === undefined ? 25 : Number(top), windows)))
}
