/**
 * The usage log's in-memory twin: the same queue, checks, pruning and reads
 * as `LevelUsageLog` over a sorted array of the same keys and JSON values.
 * Events survive stop and start of one instance. For tests of other
 * subsystems; `putRaw` lets a test plant a record the way a damaged disk
 * would, and `failWrites` fail writes the way a full one would.
 */
import { BaseUsageLog } from './base-usage-log.js'
import { UsageLogClosedError } from './errors.js'
import type { UsageLogComponents, UsageLogInit } from './index.js'
import type { BatchOp, KeyRange } from './storage.js'

export class MemoryUsageLog extends BaseUsageLog {
  /** Sorted by key. */
  private readonly entries: Array<[string, string]> = []
  private isOpen = false
  private failingWrites = 0

  constructor (init: UsageLogInit = {}, components: UsageLogComponents = {}) {
    super(init, components)
  }

  /** Store a raw value under a raw key, bypassing every check. */
  putRaw (key: string, value: string): void {
    this.set(key, value)
  }

  protected async openStorage (): Promise<void> {
    this.isOpen = true
  }

  protected async closeStorage (): Promise<void> {
    this.isOpen = false
  }

  /** Make the next `n` writes fail whole, as a full disk would. */
  failWrites (n: number): void {
    this.failingWrites = n
  }

  protected async getValues (keys: string[]): Promise<Array<string | undefined>> {
    this.requireOpen()
    return keys.map(key => {
      const entry = this.entries[this.lowerBound(key)]
      return entry?.[0] === key ? entry[1] : undefined
    })
  }

  /** Synchronous once it starts, so it is whole or not at all like LevelDB's. */
  protected async applyBatch (ops: BatchOp[]): Promise<void> {
    this.requireOpen()
    if (this.failingWrites > 0) {
      this.failingWrites--
      throw new Error('shoal:usage: a write failed (failWrites)')
    }
    for (const op of ops) {
      if (op.type === 'put') {
        this.set(op.key, op.value)
      } else {
        const i = this.lowerBound(op.key)
        if (this.entries[i]?.[0] === op.key) this.entries.splice(i, 1)
      }
    }
  }

  protected async * readEntries (range: KeyRange): AsyncGenerator<[string, string]> {
    // Each step looks up the position after the last key, so writes and deletes during the read are safe.
    let last: string | undefined
    while (true) {
      await Promise.resolve()
      this.requireOpen()
      let i: number
      if (range.reverse === true) {
        i = (last == null ? (range.lt != null ? this.lowerBound(range.lt) : this.entries.length) : this.lowerBound(last)) - 1
      } else {
        i = last == null ? (range.gte != null ? this.lowerBound(range.gte) : 0) : this.upperBound(last)
      }
      const entry = this.entries[i]
      if (entry == null) return
      const [key] = entry
      if ((range.gte != null && key < range.gte) || (range.lt != null && key >= range.lt)) return
      last = key
      yield [entry[0], entry[1]]
    }
  }

  protected async * readKeys (range: KeyRange): AsyncGenerator<string> {
    for await (const [key] of this.readEntries(range)) yield key
  }

  private set (key: string, value: string): void {
    const i = this.lowerBound(key)
    if (this.entries[i]?.[0] === key) this.entries[i] = [key, value]
    else this.entries.splice(i, 0, [key, value])
  }

  /** First index whose key is >= `key`. */
  private lowerBound (key: string): number {
    let lo = 0
    let hi = this.entries.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.entries[mid]?.[0] ?? '') < key) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** First index whose key is > `key`. */
  private upperBound (key: string): number {
    const i = this.lowerBound(key)
    return this.entries[i]?.[0] === key ? i + 1 : i
  }

  private requireOpen (): void {
    if (!this.isOpen) throw new UsageLogClosedError()
  }
}
