/**
 * Belady's MIN: evict the cached blob whose next request is farthest in the
 * future (never requested again = farthest). With blobs of one size this is
 * optimal for demand caching, the upper bound the other policies are
 * measured against. With variable sizes the optimum is NP-hard and this is
 * the usual heuristic (it ignores size), so "bound" is then approximate.
 * Ties between blobs never requested again go to the least recently used.
 *
 * `belady-size` is the same oracle weighing size, for request hit ratio
 * when sizes vary (where plain MIN, blind to size, loses to size-aware
 * online policies such as GDSF). At each eviction it weighs the
 * BELADY_SIZE_CANDIDATES cached blobs needed farthest ahead and as many of
 * the biggest, and evicts the one with the largest (time to its next
 * request) x size: one big blob goes before several small ones needed as
 * late. The optimum with sizes is NP-hard; this is a heuristic reference,
 * not a proof of a bound. With one size it chooses as MIN does.
 *
 * It reads the future from the trace given at construction, which must be
 * the trace replayed. A request is located by its time: at a request for
 * `blob` at `nowMs`, the blob's occurrences before `nowMs` are passed over
 * (they were misses too large to cache) and the next one at `nowMs` is the
 * current one; a prefetch at `nowMs` takes the first occurrence at or after
 * `nowMs` as the next use. O(1) amortised to locate, O(log n) to re-rank.
 */
import { TraceMismatchError } from './errors.js'
import { IndexedHeap, type HeapEntry } from './heap.js'
import type { EvictionPolicy } from './index.js'
import type { TraceRequest } from '../types.js'

interface Entry extends HeapEntry {
  blob: string
  /** Index in the trace of the next request for it; Infinity if none. */
  nextUse: number
  seq: number
  bytes: number
  /** The entry's place in the biggest-first heap (belady-size). */
  bySize: SizeNode
}

interface SizeNode extends HeapEntry {
  entry: Entry
}

/** Farthest-needed and biggest blobs `belady-size` weighs at each eviction (each). */
export const BELADY_SIZE_CANDIDATES = 32

const NONE = -1

export class BeladyPolicy implements EvictionPolicy {
  readonly name: 'belady' | 'belady-size'
  private readonly entries = new Map<string, Entry>()
  private readonly heap = new IndexedHeap<Entry>((a, b) => a.nextUse > b.nextUse || (a.nextUse === b.nextUse && a.seq < b.seq))
  private readonly times: Float64Array
  /** For each request, the index of the next request for the same blob, or NONE. */
  private readonly following: Int32Array
  /** For each blob, the index of its next occurrence not yet passed, or NONE. */
  private readonly cursor = new Map<string, number>()
  private seq = 0
  private readonly biggest = new IndexedHeap<SizeNode>((a, b) => a.entry.bytes > b.entry.bytes || (a.entry.bytes === b.entry.bytes && a.entry.seq < b.entry.seq))

  constructor (requests: readonly TraceRequest[], private readonly sizeAware = false) {
    this.name = sizeAware ? 'belady-size' : 'belady'
    const n = requests.length
    this.times = new Float64Array(n)
    this.following = new Int32Array(n).fill(NONE)
    for (let i = n - 1; i >= 0; i--) {
      const { blob, tsMs } = requests[i] as TraceRequest
      this.times[i] = tsMs
      const later = this.cursor.get(blob)
      if (later !== undefined) this.following[i] = later
      this.cursor.set(blob, i)
    }
  }

  onHit (blob: string, _bytes: number, nowMs: number): void {
    const entry = this.entries.get(blob)
    if (entry === undefined) return
    entry.nextUse = this.consume(blob, nowMs)
    entry.seq = this.seq++
    this.heap.update(entry)
  }

  onInsert (blob: string, bytes: number, nowMs: number, cause: 'demand' | 'prefetch'): void {
    if (this.entries.has(blob)) this.onEvict(blob)
    const nextUse = cause === 'demand' ? this.consume(blob, nowMs) : this.peek(blob, nowMs)
    const entry = { pos: 0, blob, nextUse, seq: this.seq++, bytes } as Entry
    entry.bySize = { pos: 0, entry }
    this.entries.set(blob, entry)
    this.heap.push(entry)
    if (this.sizeAware) this.biggest.push(entry.bySize)
  }

  victim (nowMs: number, protect: ReadonlySet<string>): string | undefined {
    if (!this.sizeAware) return this.heap.firstNot(entry => protect.has(entry.blob))?.blob
    let best: Entry | undefined
    let bestCost = -1
    const weigh = (e: Entry): void => {
      if (protect.has(e.blob)) return
      const cost = e.nextUse === Infinity ? Infinity : ((this.times[e.nextUse] as number) - nowMs + 1) * Math.max(1, e.bytes)
      if (cost > bestCost || (cost === bestCost && best !== undefined && e.seq < best.seq)) { best = e; bestCost = cost }
    }
    for (const e of topOf(this.heap, BELADY_SIZE_CANDIDATES + protect.size)) weigh(e)
    for (const n of topOf(this.biggest, BELADY_SIZE_CANDIDATES + protect.size)) weigh(n.entry)
    return (best as Entry | undefined)?.blob
  }

  onEvict (blob: string): void {
    const entry = this.entries.get(blob)
    if (entry === undefined) return
    this.entries.delete(blob)
    this.heap.remove(entry)
    if (this.sizeAware) this.biggest.remove(entry.bySize)
  }

  /** The trace index of a cached blob's next request, Infinity if none (tests). */
  nextUseOf (blob: string): number | undefined {
    return this.entries.get(blob)?.nextUse
  }

  /** Pass the occurrence at `nowMs` (the current request) and return the next one's index. */
  private consume (blob: string, nowMs: number): number {
    const at = this.skipBefore(blob, nowMs)
    if (at === NONE || this.times[at] !== nowMs) {
      throw new TraceMismatchError(`belady: no request for ${blob} at ${nowMs} ms in the trace it was built from; build it with the trace you replay`)
    }
    const next = this.following[at] as number
    if (next === NONE) {
      this.cursor.delete(blob)
      return Infinity
    }
    this.cursor.set(blob, next)
    return next
  }

  private peek (blob: string, nowMs: number): number {
    const at = this.skipBefore(blob, nowMs)
    return at === NONE ? Infinity : at
  }

  private skipBefore (blob: string, nowMs: number): number {
    let at = this.cursor.get(blob) ?? NONE
    while (at !== NONE && (this.times[at] as number) < nowMs) at = this.following[at] as number
    if (at === NONE) this.cursor.delete(blob)
    else this.cursor.set(blob, at)
    return at
  }
}

/** The first `n` entries in heap order, the heap left as it was: O(n log size). */
function topOf<T extends HeapEntry> (heap: IndexedHeap<T>, n: number): T[] {
  const out: T[] = []
  while (out.length < n) {
    const e = heap.pop()
    if (e === undefined) break
    out.push(e)
  }
  for (const e of out) heap.push(e)
  return out
}
