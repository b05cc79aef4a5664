/**
 * A bounded queue of CIDs to announce. Duplicates collapse into one entry; a
 * fixed number of announcements run at once; a full queue refuses new work
 * with a typed error instead of growing.
 */
import type { CID } from 'multiformats/cid'
import { ProvideQueueFullError } from './errors.js'

export interface ProvideQueueInit {
  maxQueued: number
  concurrency: number
  provideOne: (cid: CID, signal: AbortSignal) => Promise<void>
  onError?: (cid: CID, err: Error) => void
}

export class ProvideQueue {
  private readonly pending = new Map<string, CID>()
  private readonly running = new Set<string>()
  private readonly idleWaiters: Array<() => void> = []
  private readonly controller = new AbortController()
  provided = 0
  failed = 0

  constructor (private readonly init: ProvideQueueInit) {}

  get size (): number {
    return this.pending.size + this.running.size
  }

  add (cid: CID): void {
    const key = cid.toString()
    if (this.pending.has(key) || this.running.has(key)) return
    if (this.controller.signal.aborted) return
    if (this.pending.size >= this.init.maxQueued) {
      throw new ProvideQueueFullError(`provide queue is full (${this.init.maxQueued} CIDs waiting); ${key} was not announced`)
    }
    this.pending.set(key, cid)
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
    this.pending.clear()
    this.wakeIdle()
  }

  private pump (): void {
    while (this.running.size < this.init.concurrency && this.pending.size > 0) {
      const [key, cid] = this.pending.entries().next().value as [string, CID]
      this.pending.delete(key)
      this.running.add(key)
      this.init.provideOne(cid, this.controller.signal)
        .then(() => { this.provided++ }, (err: Error) => {
          this.failed++
          if (!this.controller.signal.aborted) this.init.onError?.(cid, err)
        })
        .finally(() => {
          this.running.delete(key)
          this.pump()
          if (this.size === 0) this.wakeIdle()
        })
    }
  }

  private wakeIdle (): void {
    for (const w of this.idleWaiters.splice(0)) w()
  }
}
