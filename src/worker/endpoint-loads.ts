// One worker's view of each endpoint: how many of its slots the endpoint
// holds, and whether its receiver is slow. A slow endpoint may hold only a
// small share of the slots, so that a receiver that hangs until the attempt
// timeout cannot take the slots of every other endpoint. Other endpoints
// may use every slot, so one busy receiver that answers fast keeps the
// worker's whole throughput.

export interface EndpointLoadOptions {
  /** An attempt that runs this long, in milliseconds, makes its endpoint slow. */
  slowAttemptMs: number
  /** Slots a slow endpoint may hold at once. */
  slowEndpointSlots: number
}

interface EndpointLoad {
  /** Jobs of the endpoint in hand: fetched and not yet settled. */
  jobsInHand: number
  /** performance.now() at the start of each attempt in flight, oldest first. */
  running: Set<{ startedAt: number }>
  /** Duration of the attempt that ended last, or null before any ended. */
  lastDurationMs: number | null
  /** performance.now() when the endpoint was last used. */
  touchedAt: number
}

/** Entries of endpoints that hold no slot are dropped after this many milliseconds without use. */
const IDLE_ENTRY_MS = 10 * 60_000

export type EndpointLoads = ReturnType<typeof createEndpointLoads>

export function createEndpointLoads(options: EndpointLoadOptions) {
  const loads = new Map<string, EndpointLoad>()
  let prunedAt = performance.now()

  const loadOf = (endpointId: string, now: number): EndpointLoad => {
    let load = loads.get(endpointId)
    if (load === undefined) {
      load = { jobsInHand: 0, running: new Set(), lastDurationMs: null, touchedAt: now }
      loads.set(endpointId, load)
    }
    load.touchedAt = now
    return load
  }

  // An endpoint counts as slow until one of its attempts ends quickly: an
  // endpoint seen for the first time may be the one that hangs.
  const isSlow = (load: EndpointLoad, now: number): boolean => {
    if (load.lastDurationMs === null || load.lastDurationMs >= options.slowAttemptMs) return true
    const [oldest] = load.running
    return oldest !== undefined && now - oldest.startedAt >= options.slowAttemptMs
  }

  const atLimit = (load: EndpointLoad, now: number): boolean =>
    load.jobsInHand >= options.slowEndpointSlots && isSlow(load, now)

  return {
    /** Takes a slot for a fetched job of the endpoint; false when the endpoint is slow and holds its share. */
    tryHold(endpointId: string): boolean {
      const now = performance.now()
      const load = loadOf(endpointId, now)
      if (atLimit(load, now)) return false
      load.jobsInHand += 1
      return true
    },

    release(endpointId: string): void {
      const load = loads.get(endpointId)
      if (load !== undefined) load.jobsInHand = Math.max(0, load.jobsInHand - 1)
    },

    /**
     * Notes the start of an attempt. Call the returned function when it
     * ends, with its duration, or null when no request was sent.
     */
    attemptStarted(endpointId: string): (durationMs: number | null) => void {
      const now = performance.now()
      const load = loadOf(endpointId, now)
      const attempt = { startedAt: now }
      load.running.add(attempt)
      return (durationMs) => {
        load.running.delete(attempt)
        if (durationMs !== null) load.lastDurationMs = durationMs
        load.touchedAt = performance.now()
      }
    },

    /** Endpoints that may take no more slots now: the fetch skips their jobs. */
    saturated(): string[] {
      const now = performance.now()
      if (now - prunedAt > IDLE_ENTRY_MS) {
        prunedAt = now
        for (const [endpointId, load] of loads)
          if (
            load.jobsInHand === 0 &&
            load.running.size === 0 &&
            now - load.touchedAt > IDLE_ENTRY_MS
          )
            loads.delete(endpointId)
      }
      const ids: string[] = []
      for (const [endpointId, load] of loads) if (atLimit(load, now)) ids.push(endpointId)
      return ids
    },
  }
}
