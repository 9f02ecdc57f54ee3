// Status of the long-running loops of this process (the webhook worker, the
// expiry sweeper), which /readyz reports. A loop registers itself when it
// starts and reports its state; /readyz fails while any registered loop is
// not running, or has not called running() within its staleAfterMs. A
// process that registers nothing (`serve --no-worker`) is ready without one.
//
// Usage, from a loop's start function:
//   const status = registerBackgroundTask('webhook-worker', { staleAfterMs: 60_000 })
//   ... once started: status.running(); after each poll: status.running()
//   ... on a fatal error: status.failed(error); on shutdown: status.stopping(), then status.stopped()

export type BackgroundTaskState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed'

export interface BackgroundTaskStatus {
  readonly name: string
  /** Marks the task running; also its heartbeat when staleAfterMs is set. */
  running(): void
  /** Marks the task failed; the error's message appears in /readyz's body, so keep secrets out of it. */
  failed(error: unknown): void
  stopping(): void
  stopped(): void
}

export interface BackgroundTaskReport {
  name: string
  state: BackgroundTaskState
  ok: boolean
  /** Milliseconds since the last state change or heartbeat. */
  sinceMs: number
  detail?: string
}

interface TaskRecord {
  state: BackgroundTaskState
  changedAt: number
  staleAfterMs: number | undefined
  detail: string | undefined
}

const tasks = new Map<string, TaskRecord>()

/** Registers a task as starting, replacing an earlier task of the same name. */
export function registerBackgroundTask(
  name: string,
  options: { staleAfterMs?: number } = {},
): BackgroundTaskStatus {
  const record: TaskRecord = {
    state: 'starting',
    changedAt: Date.now(),
    staleAfterMs: options.staleAfterMs,
    detail: undefined,
  }
  tasks.set(name, record)
  const set = (state: BackgroundTaskState, detail?: string) => {
    record.state = state
    record.changedAt = Date.now()
    record.detail = detail
  }
  return {
    name,
    running: () => set('running'),
    failed: (error) => set('failed', error instanceof Error ? error.message : String(error)),
    stopping: () => set('stopping'),
    stopped: () => set('stopped'),
  }
}

/** Removes a task, for a loop that ends on purpose and should no longer count. */
export function unregisterBackgroundTask(name: string): void {
  tasks.delete(name)
}

/** Reports every registered task; `ok` is false unless it runs and its heartbeat is fresh. */
export function reportBackgroundTasks(now: number = Date.now()): BackgroundTaskReport[] {
  return [...tasks.entries()].map(([name, record]) => {
    const sinceMs = now - record.changedAt
    const stale =
      record.state === 'running' &&
      record.staleAfterMs !== undefined &&
      sinceMs > record.staleAfterMs
    const report: BackgroundTaskReport = {
      name,
      state: record.state,
      ok: record.state === 'running' && !stale,
      sinceMs,
    }
    if (stale) report.detail = `no heartbeat for ${sinceMs} ms (limit ${record.staleAfterMs} ms)`
    else if (record.detail !== undefined) report.detail = record.detail
    return report
  })
}
