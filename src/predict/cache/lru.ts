/** Least recently used: evicts the blob whose last request (or insertion) is oldest. O(1) per operation. */
import type { EvictionPolicy } from './index.js'
import { RecencyList } from './recency.js'

export class LruPolicy implements EvictionPolicy {
  readonly name = 'lru'
  private readonly order = new RecencyList<true>()

  onHit (blob: string): void {
    this.order.touch(blob, true)
  }

  onInsert (blob: string): void {
    this.order.touch(blob, true)
  }

  victim (_nowMs: number, protect: ReadonlySet<string>): string | undefined {
    return this.order.oldestNot(protect)
  }

  onEvict (blob: string): void {
    this.order.delete(blob)
  }
}
