// CPU time spent per request, by the server under measure, by the
// PostgreSQL backends of the bench's database and by the bench process
// itself (the load generator). On two shared cores a throughput figure
// moves with whatever else runs, but the CPU a request costs moves much
// less, and it shows where the cores go.

import { readFileSync } from 'node:fs'
import pg from 'pg'
import { round } from './stats.ts'

/** Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100

export interface CpuCost {
  /** Milliseconds of CPU per counted unit (request or flow), by who spent them. */
  serverMs: number
  postgresMs: number
  loadGeneratorMs: number
}

interface Snapshot {
  serverPid: number
  server: number
  postgres: Map<number, number>
  loadGenerator: NodeJS.CpuUsage
}

export class CpuMeter {
  private readonly client: pg.Client

  private constructor(client: pg.Client) {
    this.client = client
  }

  static async open(databaseUrl: string): Promise<CpuMeter> {
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    return new CpuMeter(client)
  }

  async snapshot(serverPid: number): Promise<Snapshot> {
    return {
      serverPid,
      server: cpuSecondsOf(serverPid) ?? 0,
      postgres: await this.backendSeconds(),
      loadGenerator: process.cpuUsage(),
    }
  }

  /** Returns the CPU spent since `before`, per unit, or null when nothing was counted. */
  async since(before: Snapshot, units: number): Promise<CpuCost | null> {
    if (units <= 0) return null
    const server = (cpuSecondsOf(before.serverPid) ?? before.server) - before.server
    let postgres = 0
    // A backend that started during the run counts from zero; one that ended is lost.
    for (const [pid, seconds] of await this.backendSeconds())
      postgres += seconds - (before.postgres.get(pid) ?? 0)
    const generator = process.cpuUsage(before.loadGenerator)
    const perUnit = (seconds: number) => round((seconds * 1000) / units, 2)
    return {
      serverMs: perUnit(server),
      postgresMs: perUnit(postgres),
      loadGeneratorMs: perUnit((generator.user + generator.system) / 1e6),
    }
  }

  close(): Promise<void> {
    return this.client.end()
  }

  /** CPU seconds of each backend connected to the bench's database, this meter's own excepted. */
  private async backendSeconds(): Promise<Map<number, number>> {
    const result = await this.client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    )
    const seconds = new Map<number, number>()
    for (const { pid } of result.rows) {
      const cpu = cpuSecondsOf(pid)
      if (cpu !== null) seconds.set(pid, cpu)
    }
    return seconds
  }
}

/** Reads a process's user plus system CPU seconds from /proc/PID/stat, or null. */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name, in brackets, may contain spaces: count fields after its closing bracket.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const userTicks = Number(fields[11])
    const systemTicks = Number(fields[12])
    return (userTicks + systemTicks) / TICKS_PER_SECOND
  } catch {
    return null
  }
}
