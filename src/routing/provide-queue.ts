/**
 * A bounded queue of CIDs to announce. Duplicates collapse into one entry; a
 * fixed number of announcements run at once; a full queue refuses new work
 * with a typed error instead of growing. Two lanes: `high` (layer CIDs, which
 * fetchers look up first) always goes before `low` (shard CIDs, looked up only
 * for shards no known holder has), so a burst of shards never delays a layer;
 * and the low lane runs at most `lowConcurrency` at once, so announcing a
 * blob's shards trails its transfer instead of competing with it for CPU
 * (a DHT announcement is a lookup plus one RPC per close peer). With
 * `holdLow`, the low lane waits while the node is busy (blobs being
 * assembled, shards being served), at most `maxHoldMs`: a fetcher finds a
 * host that is still downloading, or serving, through the layer's CID and
 * its have-map, not through the shards' CIDs.
 */
import type { CID } from 'multiformats/cid'
import { ProvideQueueFullError } from './errors.js'

export interface ProvideQueueInit {
  maxQueued: number
  concurrency: number
  /** Most low-priority announcements at once (never more than `concurrency`). */
  lowConcurrency?: number
  provideOne: (cid: CID, signal: AbortSignal) => Promise<void>
  onError?: (cid: CID, err: Error) => void
  /** While this returns true, low-priority announcements wait (checked every LOW_HOLD_RECHECK_MS). */
  holdLow?: () => boolean
  /**
   * Longest the low lane waits on `holdLow`: a host that stays busy still
   * announces its shards, this long after the hold began. Once released, the
   * lane runs until it is empty. @default MAX_LOW_HOLD_MS
   */
  maxHoldMs?: number
}

/** How often a held low lane checks whether it may go on. */
export const LOW_HOLD_RECHECK_MS = 1000
/** Longest a low announcement waits on a busy host. */
export const MAX_LOW_HOLD_MS = 2 * 60 * 1000

export class ProvideQueue {
  private readonly high = new Map<string, CID>()
  private readonly low = new Map<string, CID>()
  private readonly running = new Set<string>()
  private runningLow = 0
  private readonly idleWaiters: Array<() => void> = []
  private readonly controller = new AbortController()
  private recheck: NodeJS.Timeout | undefined
  /** When the current hold began; undefined while the low lane is not held. */
  private heldSince: number | undefined
  /** Set when a hold outlasted maxHoldMs: the lane runs until it is empty. */
  private released = false
  provided = 0
  failed = 0

  constructor (private readonly init: ProvideQueueInit) {}

  get size (): number {
    return this.high.size + this.low.size + this.running.size
  }

  add (cid: CID, priority: 'high' | 'low' = 'high'): void {
    const key = cid.toString()
    if (this.running.has(key) || this.high.has(key)) return
    if (this.controller.signal.aborted) return
    if (this.low.has(key)) {
      if (priority === 'low') return
      this.low.delete(key)
    } else if (this.high.size + this.low.size >= this.init.maxQueued) {
      throw new ProvideQueueFullError(`provide queue is full (${this.init.maxQueued} CIDs waiting); ${key} was not announced`)
    }
    (priority === 'high' ? this.high : this.low).set(key, cid)
    this.pump()
  }

  async onIdle (signal?: AbortSignal): Promise<void> {
    if (this.size === 0) return
    await new Promise<void>((resolve, reject) => {
      const done = (): void => { signal?.removeEventListener('abort', abort); resolve() }
      const abort = (): void => { reject(signal?.reason ?? new Error('aborted')) }
      signal?.addEventListener('abort', abort, { once: true })
      this.idleWaiters.push(done)
    })
  }

  stop (): void {
    this.controller.abort()
    clearTimeout(this.recheck)
    this.high.clear()
    this.low.clear()
    this.wakeIdle()
  }

  private pump (): void {
    const lowMax = Math.min(this.init.lowConcurrency ?? this.init.concurrency, this.init.concurrency)
    while (this.running.size < this.init.concurrency) {
      const isLow = this.high.size === 0
      if (isLow && this.low.size === 0) { this.heldSince = undefined; this.released = false }
      if (isLow && (this.low.size === 0 || this.runningLow >= lowMax)) return
      if (isLow && this.held()) {
        this.recheck ??= setTimeout(() => { this.recheck = undefined; this.pump() }, LOW_HOLD_RECHECK_MS)
        this.recheck.unref()
        return
      }
      const lane = isLow ? this.low : this.high
      const [key, cid] = lane.entries().next().value as [string, CID]
      lane.delete(key)
      this.running.add(key)
      if (isLow) this.runningLow++
      this.init.provideOne(cid, this.controller.signal)
        .then(() => { this.provided++ }, (err: Error) => {
          this.failed++
          if (!this.controller.signal.aborted) this.init.onError?.(cid, err)
        })
        .finally(() => {
          this.running.delete(key)
          if (isLow) this.runningLow--
          this.pump()
          if (this.size === 0) this.wakeIdle()
        })
    }
  }

  private held (): boolean {
    if (this.released || this.init.holdLow?.() !== true) { this.heldSince = undefined; return false }
    const now = performance.now()
    this.heldSince ??= now
    if (now - this.heldSince < (this.init.maxHoldMs ?? MAX_LOW_HOLD_MS)) return true
    this.released = true
    this.heldSince = undefined
    return false
  }

  private wakeIdle (): void {
    for (const w of this.idleWaiters.splice(0)) w()
  }
}
