/**
 * The changes a set of written or deleted events makes to the roll-ups,
 * added up per roll-up key, then turned into the puts and deletes that go in
 * the same batch as the events. Minute buckets before the minute window are
 * neither created nor changed: they are on their way out (see `UsageStore`).
 */
import { USAGE_NO_REGION } from './constants.js'
import { bucketStartMs, decodeCounts, encodeCounts, rollupKey, type RollupBucket, type RollupCounts } from './rollup-record.js'
import type { UsageEvent } from './index.js'
import type { BatchOp, UsageStorage } from './storage.js'

const BUCKETS: readonly RollupBucket[] = ['minute', 'hour']

export class RollupDeltas {
  private readonly deltas = new Map<string, RollupCounts>()

  /** `minuteCutoffMs`: the first minute bucket still kept. */
  constructor (private readonly minuteCutoffMs: number) {}

  /** Roll-up keys touched so far. */
  get size (): number {
    return this.deltas.size
  }

  /** Count `event` in (sign 1) or out of (sign -1) its buckets. */
  add (event: UsageEvent, sign: 1 | -1): void {
    for (const bucket of BUCKETS) {
      const start = bucketStartMs(bucket, event.timeMs)
      if (bucket === 'minute' && start < this.minuteCutoffMs) continue
      const key = rollupKey({ bucket, bucketStartMs: start, kind: event.kind, digest: event.digest, region: event.region ?? USAGE_NO_REGION })
      const d = this.deltas.get(key) ?? { requests: 0, bytes: 0, bytesBySource: { local: 0, peer: 0, origin: 0 } }
      d.requests += sign
      d.bytes += sign * event.bytes
      d.bytesBySource.local += sign * event.bytesBySource.local
      d.bytesBySource.peer += sign * event.bytesBySource.peer
      d.bytesBySource.origin += sign * event.bytesBySource.origin
      this.deltas.set(key, d)
    }
  }

  /**
   * Read the counts the deltas move and return the writes of their sums: a
   * put, or a delete for a bucket left with no requests. A stored value that
   * does not decode is replaced as if it were absent and its key passed to
   * `corrupt`: its true count is lost, so the caller has the roll-ups rebuilt.
   */
  async ops (storage: UsageStorage, corrupt: (key: string) => void): Promise<BatchOp[]> {
    const keys = [...this.deltas.keys()]
    if (keys.length === 0) return []
    const stored = await storage.getValues(keys)
    const ops: BatchOp[] = []
    keys.forEach((key, i) => {
      const d = this.deltas.get(key)
      const value = stored[i]
      if (d == null) return
      let base = value == null ? undefined : decodeCounts(value)
      if (value != null && base == null) corrupt(key)
      base ??= { requests: 0, bytes: 0, bytesBySource: { local: 0, peer: 0, origin: 0 } }
      // Clamped at 0: a count can only go below it after damage, which the rebuild repairs.
      const sum = (a: number, b: number): number => Math.max(0, a + b)
      const next: RollupCounts = {
        requests: sum(base.requests, d.requests),
        bytes: sum(base.bytes, d.bytes),
        bytesBySource: {
          local: sum(base.bytesBySource.local, d.bytesBySource.local),
          peer: sum(base.bytesBySource.peer, d.bytesBySource.peer),
          origin: sum(base.bytesBySource.origin, d.bytesBySource.origin)
        }
      }
      if (next.requests === 0) {
        if (value != null) ops.push({ type: 'del', key })
      } else {
        ops.push({ type: 'put', key, value: encodeCounts(next) })
      }
    })
    return ops
  }
}
