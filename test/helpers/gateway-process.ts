// Runs `sence-gateway` as a child process, as an integrator would, for the
// tests that need a real server: the embedded default, restarts, signals.

import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const BIN = fileURLToPath(new URL('../../bin/sence-gateway.ts', import.meta.url))

export interface GatewayProcess {
  child: ChildProcess
  stdout(): string
  stderr(): string
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>
}

/** Returns a TCP port that was free a moment ago. */
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

export function startGatewayProcess(
  args: string[],
  environment: Record<string, string>,
): GatewayProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout?.on('data', (chunk) => (out += chunk))
  child.stderr?.on('data', (chunk) => (err += chunk))
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  return { child, stdout: () => out, stderr: () => err, exited }
}

/** Waits until a predicate over the output holds, or fails after timeoutMs with the output so far. */
export async function waitForOutput(
  process: GatewayProcess,
  predicate: (stdout: string, stderr: string) => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate(process.stdout(), process.stderr())) {
    if (Date.now() > deadline || process.child.exitCode !== null) {
      throw new Error(
        `gateway output did not show what was expected:\nstdout:\n${process.stdout()}\nstderr:\n${process.stderr()}`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
