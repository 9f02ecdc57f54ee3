import type { Test } from 'tap'

/** Moves `new Date()` and `Date.now()` of this process forward by `offsetMs` until the test ends. */
export function advanceClock(t: Test, offsetMs: number): void {
  const RealDate = Date
  class ShiftedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() + offsetMs)
      else super(...(args as [string]))
    }

    static override now(): number {
      return RealDate.now() + offsetMs
    }
  }
  globalThis.Date = ShiftedDate as DateConstructor
  t.teardown(() => {
    globalThis.Date = RealDate
  })
}
