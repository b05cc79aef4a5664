/**
 * Shoal's policy in the cache simulator: one object that is both the
 * eviction policy and the prefetcher, reading the same `DemandModel`.
 *
 * Eviction keeps the blobs with the highest value per byte, GDSF's frame
 * with shoal's estimate of demand in place of a raw count:
 *
 *   H(b) = L + (recent(b) + forecast(b) + expected(b)) / size(b)^e
 *
 * `recent` is the decayed request count, `forecast` the requests expected
 * in the next hour (asked for the busiest blobs at each forecast bucket),
 * `expected` the confidence of the rule that prefetched b (until b is
 * first asked for), and L the value of the last blob evicted, so blobs
 * nobody asks for any more age out. e = 1 by default (request hit ratio is
 * what counts); 0 would weigh every blob alike.
 *
 * Prefetch: after a request for A, the blobs B of rules "after A, expect B"
 * whose ordered confidence reaches `minConfidence`; and after each forecast
 * bucket, the busiest blobs whose forecast reaches `precacheMinExpected`
 * but are not cached (pre-caching ahead of the daily cycle). A prefetch is
 * admitted only into free room or in place of blobs of lower value, so a
 * guess never pushes out something worth more.
 */
import { IndexedHeap, type HeapEntry } from '../cache/heap.js'
import type { EvictionPolicy, PrefetchCandidate, Prefetcher } from '../cache/index.js'
import type { TraceRequest } from '../types.js'
import { DemandModel } from './demand-model.js'
import type { ResolvedModelOptions } from './options.js'

interface Entry extends HeapEntry {
  blob: string
  bytes: number
  h: number
  /** Confidence of the rule that prefetched it, until its first hit. */
  boost: number
}

export class ShoalCachePolicy implements EvictionPolicy, Prefetcher {
  readonly name = 'shoal'
  readonly model: DemandModel
  private readonly entries = new Map<string, Entry>()
  private readonly heap = new IndexedHeap<Entry>((a, b) => a.h < b.h || (a.h === b.h && a.blob < b.blob))
  private inflation = 0
  private cachedBytes = 0
  /** Forecast requests in the horizon of the busiest blobs, as of `forecastBucket`. */
  private hot = new Map<string, number>()
  private forecastBucket: number | undefined
  /** Pre-cache candidates waiting for the next `suggest`. */
  private precache: PrefetchCandidate[] = []
  /** Confidence behind each candidate just suggested, read by `admit` and `onInsert`. */
  private readonly suggested = new Map<string, number>()

  constructor (private readonly capacityBytes: number, private readonly o: ResolvedModelOptions) {
    this.model = new DemandModel(o)
  }

  // Eviction policy

  onHit (blob: string, _bytes: number, nowMs: number): void {
    const e = this.entries.get(blob)
    if (e === undefined) return
    e.boost = 0
    this.rekey(e, nowMs, 1)
  }

  onInsert (blob: string, bytes: number, nowMs: number, cause: 'demand' | 'prefetch'): void {
    const e: Entry = { blob, bytes, h: 0, pos: -1, boost: cause === 'prefetch' ? (this.suggested.get(blob) ?? 0) : 0 }
    e.h = this.value(e, nowMs, cause === 'demand' ? 1 : 0)
    this.entries.set(blob, e)
    this.heap.push(e)
    this.cachedBytes += bytes
  }

  victim (_nowMs: number, protect: ReadonlySet<string>): string | undefined {
    return this.heap.firstNot(e => protect.has(e.blob))?.blob
  }

  onEvict (blob: string): void {
    const e = this.entries.get(blob)
    if (e === undefined) return
    this.heap.remove(e)
    this.entries.delete(blob)
    this.cachedBytes -= e.bytes
    this.inflation = Math.max(this.inflation, e.h)
  }

  admit (blob: string, bytes: number, nowMs: number, cause: 'demand' | 'prefetch'): boolean {
    if (cause === 'demand') return true
    const need = this.cachedBytes + bytes - this.capacityBytes
    if (need <= 0) return true
    const h = this.value({ blob, bytes, boost: this.suggested.get(blob) ?? 0 }, nowMs, 0)
    // Room only from blobs worth less than the candidate, and only a few of them.
    const popped: Entry[] = []
    let freed = 0
    while (freed < need && popped.length < this.o.admitMaxVictims) {
      const top = this.heap.pop()
      if (top === undefined || top.h >= h) {
        if (top !== undefined) this.heap.push(top)
        break
      }
      popped.push(top)
      freed += top.bytes
    }
    for (const e of popped) this.heap.push(e)
    return freed >= need
  }

  // Prefetcher

  observe (request: TraceRequest): void {
    this.model.observe(request)
    this.refreshForecasts(request.tsMs)
  }

  suggest (request: TraceRequest): PrefetchCandidate[] {
    this.suggested.clear()
    const out: PrefetchCandidate[] = []
    for (const x of this.model.expectAfter(request.blob)) {
      if (x.orderedConfidence < this.o.minConfidence) continue
      const bytes = this.model.bytesOf(x.blob)
      if (bytes === undefined || this.entries.has(x.blob)) continue
      out.push({ blob: x.blob, bytes })
      this.suggested.set(x.blob, x.orderedConfidence)
    }
    for (const c of this.precache) {
      if (this.entries.has(c.blob) || this.suggested.has(c.blob)) continue
      out.push(c)
      this.suggested.set(c.blob, 0)
    }
    this.precache = []
    return out
  }

  private refreshForecasts (nowMs: number): void {
    const bucket = Math.floor(nowMs / this.o.horizonMs)
    if (bucket === this.forecastBucket) return
    this.forecastBucket = bucket
    const hot = new Map<string, number>()
    for (const blob of this.model.busiest(this.o.precacheTop, nowMs)) {
      const f = this.model.forecast(blob, nowMs)
      if (f > 0) hot.set(blob, f)
    }
    this.hot = hot
    for (const blob of hot.keys()) {
      const e = this.entries.get(blob)
      if (e !== undefined) this.rekey(e, nowMs, 0)
    }
    this.precache = [...hot]
      .filter(([blob, f]) => f >= this.o.precacheMinExpected && !this.entries.has(blob) && this.model.bytesOf(blob) !== undefined)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, this.o.precacheMaxBlobs)
      .map(([blob]) => ({ blob, bytes: this.model.bytesOf(blob) as number }))
  }

  /** `pending`: requests being handled that the model has not observed yet. */
  private value (e: Pick<Entry, 'blob' | 'bytes' | 'boost'>, nowMs: number, pending: number): number {
    const demand = this.model.recentCount(e.blob, nowMs) + pending + (this.hot.get(e.blob) ?? 0) + e.boost
    return this.inflation + demand / Math.max(1, e.bytes) ** this.o.sizeExponent
  }

  private rekey (e: Entry, nowMs: number, pending: number): void {
    e.h = this.value(e, nowMs, pending)
    this.heap.update(e)
  }
}
