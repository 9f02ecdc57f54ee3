import type { Logger } from '../logging/logger.ts'

/** One part of the process to stop, such as the HTTP server, the webhook worker or the database pool. */
export interface ShutdownStep {
  name: string
  stop(): Promise<void>
}

export interface ShutdownOptions {
  logger: Logger
  /** Time the steps together may take; past it the process exits with status 1. */
  timeoutMs: number
  /** Stopped one after the other, in this order: the HTTP server first, the database last. */
  steps: ShutdownStep[]
  /** Ends the process when the timeout passes or a second signal arrives. Tests replace it. */
  exit?: (code: number) => void
  /** Source of the signals: the process, or an EventEmitter in tests. */
  signals?: SignalSource
}

export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown
}

/**
 * Waits for SIGTERM or SIGINT, then stops the steps in order and resolves
 * with 0, or with 1 when a step failed. When the steps take longer than
 * timeoutMs, or a second signal arrives (Ctrl-C twice), it logs what was
 * still stopping and ends the process with status 1, since something still
 * keeps the event loop open.
 */
export function stopOnSignal(options: ShutdownOptions): Promise<number> {
  const { logger, timeoutMs, steps } = options
  const exit = options.exit ?? ((code: number) => process.exit(code))
  const signals = options.signals ?? process

  return new Promise<number>((resolve) => {
    let current: string | null = null
    let stopping = false

    const onSignal = (signal: NodeJS.Signals) => {
      if (!stopping) {
        stopping = true
        void stop(signal)
        return
      }
      logger.error({ signal, stopping: current }, 'second signal during shutdown; exiting')
      exit(1)
    }

    const stop = async (signal: NodeJS.Signals) => {
      logger.info({ signal, timeoutMs }, 'shutting down')
      const deadline = setTimeout(() => {
        logger.error({ timeoutMs, stopping: current }, 'shutdown timed out; exiting')
        exit(1)
      }, timeoutMs)
      deadline.unref()

      let failed = false
      for (const step of steps) {
        current = step.name
        const startedAt = Date.now()
        try {
          await step.stop()
          logger.info({ step: step.name, durationMs: Date.now() - startedAt }, 'stopped')
        } catch (error) {
          failed = true
          logger.error({ err: error, step: step.name }, 'stopping failed')
        }
      }
      current = null
      clearTimeout(deadline)
      signals.off('SIGTERM', onSignal)
      signals.off('SIGINT', onSignal)
      logger.info({ exitCode: failed ? 1 : 0 }, 'shutdown complete')
      resolve(failed ? 1 : 0)
    }

    signals.on('SIGTERM', onSignal)
    signals.on('SIGINT', onSignal)
  })
}
