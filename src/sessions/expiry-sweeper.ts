import type { PrismaClient } from '../persistence/database.ts'
import { countSessionTransition } from '../observability/metrics.ts'
import { expireSessions } from './expire-sessions.ts'

export interface SweeperLogger {
  info(fields: object, message: string): void
  error(fields: object, message: string): void
}

export interface ExpirySweeper {
  /** Stops the timer and waits for a sweep in progress to finish. */
  stop(): Promise<void>
}

/**
 * Runs expireSessions at once and then every `intervalMs` after the end of
 * the previous run, so runs never overlap within a process. Several
 * processes may each run one: expireSessions skips what another holds.
 * A failed run is logged and the next one runs on schedule.
 */
export function startExpirySweeper(options: {
  prisma: PrismaClient
  logger: SweeperLogger
  intervalMs: number
  /** Called after every sweep that completed: the heartbeat of /readyz. */
  onSweep?: () => void
}): ExpirySweeper {
  const { prisma, logger, intervalMs } = options
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let stopped = false

  const sweep = async () => {
    try {
      const result = await expireSessions(prisma)
      const expiredSessions = result.expiredSessionIds.length
      const expiredCloseTickets = result.expiredCloseTicketIds.length
      if (expiredSessions > 0 || expiredCloseTickets > 0) {
        logger.info(
          { expiredSessions, expiredCloseTickets, sessionIds: result.expiredSessionIds },
          'expired sessions and close tickets',
        )
      }
      for (const failure of result.failures) {
        logger.error({ err: failure.error, sessionId: failure.sessionId }, 'session expiry failed')
      }
      for (let count = 0; count < expiredSessions; count += 1)
        countSessionTransition('pending', 'expired')
      options.onSweep?.()
    } catch (error) {
      logger.error({ err: error }, 'expiry sweep failed')
    }
  }

  const run = () => {
    running = sweep().finally(() => {
      running = undefined
      if (stopped) return
      timer = setTimeout(run, intervalMs)
      // The sweeper alone never keeps the process alive.
      timer.unref()
    })
  }
  run()

  return {
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
