/**
 * Time for the shapers: the real clock (performance.now and setTimeout) and
 * a manual twin that tests advance by hand, so delay and rate can be checked
 * exactly, without waiting and without a loaded machine's timer jitter.
 */

export interface Clock {
  /** Milliseconds, monotonic. */
  now: () => number
  setTimer: (fn: () => void, ms: number) => unknown
  clearTimer: (timer: unknown) => void
}

export const REAL_CLOCK: Clock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: timer => { clearTimeout(timer as ReturnType<typeof setTimeout>) }
}

interface ManualTimer { at: number, seq: number, fn: () => void }

/** A clock that moves only when `advance` is called; timers fire in time order. */
export class ManualClock implements Clock {
  private t = 0
  private seq = 0
  private timers: ManualTimer[] = []

  now (): number { return this.t }

  setTimer (fn: () => void, ms: number): unknown {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn }
    this.timers.push(timer)
    return timer
  }

  clearTimer (timer: unknown): void {
    this.timers = this.timers.filter(t => t !== timer)
  }

  /** Move time forward by `ms`, firing every timer due on the way, at its own time. */
  advance (ms: number): void {
    const end = this.t + ms
    while (true) {
      const next = this.timers.reduce<ManualTimer | undefined>((a, b) => a == null || b.at < a.at || (b.at === a.at && b.seq < a.seq) ? b : a, undefined)
      if (next == null || next.at > end) break
      this.timers = this.timers.filter(t => t !== next)
      this.t = Math.max(this.t, next.at)
      next.fn()
    }
    this.t = end
  }

  get pendingTimers (): number { return this.timers.length }
}
