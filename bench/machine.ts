import { readFileSync } from 'node:fs'
import os from 'node:os'

export interface Machine {
  cpuModel: string
  cores: number
  memoryMb: number
  node: string
  postgres: string
  kernel: string
}

/** Describes the machine the figures were measured on. */
export function describeMachine(postgresVersion: string): Machine {
  return {
    cpuModel: cpuModel(),
    cores: os.availableParallelism(),
    memoryMb: Math.round(os.totalmem() / 1024 / 1024),
    node: process.version,
    postgres: postgresVersion,
    kernel: `${os.type()} ${os.release()}`,
  }
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (match?.[1] !== undefined) return match[1].trim()
  } catch {
    // Not Linux: os.cpus() has the model too.
  }
  return os.cpus()[0]?.model ?? 'unknown'
}
