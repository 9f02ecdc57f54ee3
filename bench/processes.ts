// The servers under measure run as child processes of the bench, each on
// its own port, the way an integrator runs the gateway. Their output goes
// straight to a log file, so the bench process spends no CPU reading it.

import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'

export interface ServerProcess {
  name: string
  child: ChildProcess
  pid: number
  baseUrl: string
  logPath: string
  /** Resolves with the exit code (or the signal's name) once the process ends. */
  exited: Promise<number | string>
  /** Sends SIGTERM and waits for the exit; SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<number | string>
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        resolve(typeof address === 'object' && address !== null ? address.port : 0),
      )
    })
  })
}

/**
 * Starts `node ARGS...` with Node's own binary (the Node 24 that npm scripts
 * run on) and waits until GET baseUrl + readyPath responds with 200.
 */
export async function startServerProcess(options: {
  name: string
  nodeArgs: string[]
  env: Record<string, string>
  baseUrl: string
  readyPath: string
  logPath: string
  readyTimeoutMs?: number
}): Promise<ServerProcess> {
  const logFd = openSync(options.logPath, 'a')
  const child = spawn(process.execPath, options.nodeArgs, {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...options.env },
    stdio: ['ignore', logFd, logFd],
  })
  closeSync(logFd)
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  )
  if (child.pid === undefined)
    throw new Error(`${options.name}: could not start ${process.execPath}`)
  const pid = child.pid

  const stop = async (graceMs = 15_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
      try {
        return await exited
      } finally {
        clearTimeout(timer)
      }
    }
    return exited
  }
  const server = {
    name: options.name,
    child,
    pid,
    baseUrl: options.baseUrl,
    logPath: options.logPath,
    exited,
    stop,
  }

  try {
    await waitUntilReady(server, options.readyPath, options.readyTimeoutMs ?? 60_000)
  } catch (error) {
    await stop(2_000)
    throw error
  }
  return server
}

async function waitUntilReady(server: ServerProcess, readyPath: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  let exitedWith: number | string | undefined
  void server.exited.then((code) => (exitedWith = code))
  for (;;) {
    if (exitedWith !== undefined)
      throw new Error(
        `${server.name} exited with ${exitedWith} before it was ready; its output:\n${tail(server.logPath)}`,
      )
    try {
      const response = await fetch(server.baseUrl + readyPath)
      if (response.status === 200) return
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline)
      throw new Error(
        `${server.name} did not respond to GET ${readyPath} with 200 within ${timeoutMs} ms; its output:\n${tail(server.logPath)}`,
      )
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** Runs `node ARGS...` to completion and returns its stdout; throws with its output when it fails. */
export async function runNode(args: string[], env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}:\n${stdout}${stderr}`)
  return stdout
}

export interface Memory {
  /** Peak resident set size so far (VmHWM, the kernel's high-water mark), in MB. */
  peakRssMb: number | null
  /** Resident set size now (VmRSS), in MB. */
  rssMb: number | null
}

/** Reads a process's memory from /proc/PID/status; nulls where /proc does not have it. */
export function memoryOf(pid: number): Memory {
  let status = ''
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    // Not Linux, or the process has ended.
  }
  const megabytes = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status)
    return match === null ? null : Math.round((Number(match[1]) / 1024) * 10) / 10
  }
  return { peakRssMb: megabytes('VmHWM'), rssMb: megabytes('VmRSS') }
}

/** Returns the last lines of a log file, for error messages. */
export function tail(path: string, lines = 40): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n')
  } catch {
    return `(no output at ${path})`
  }
}
