/**
 * Greedy-Dual-Size-Frequency (Cherkasova 1998): each cached blob has a
 * priority H = L + frequency x cost / size with cost = 1, so small, often
 * requested blobs stay; the blob of lowest H is evicted and the clock L
 * rises to its H, which ages every blob not requested since. Frequency is
 * in-cache (reset on eviction); a request recomputes H with the current L.
 * Ties go to the least recently used. A prefetch counts as the insertion
 * and its first request does not add to the frequency (as in LFU). A blob
 * of 0 bytes is priced as 1 byte.
 */
import { IndexedHeap, type HeapEntry } from './heap.js'
import type { EvictionPolicy } from './index.js'

interface Entry extends HeapEntry {
  blob: string
  bytes: number
  frequency: number
  priority: number
  /** Order of the last request or insertion, for ties. */
  seq: number
  unused: boolean
}

export class GdsfPolicy implements EvictionPolicy {
  readonly name = 'gdsf'
  private readonly entries = new Map<string, Entry>()
  private readonly heap = new IndexedHeap<Entry>((a, b) => a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq))
  /** The inflation clock: the priority of the last evicted blob. */
  private clock = 0
  private seq = 0

  get inflation (): number {
    return this.clock
  }

  onHit (blob: string): void {
    const entry = this.entries.get(blob)
    if (entry === undefined) return
    if (entry.unused) entry.unused = false
    else entry.frequency++
    entry.priority = this.clock + entry.frequency / Math.max(entry.bytes, 1)
    entry.seq = this.seq++
    this.heap.update(entry)
  }

  onInsert (blob: string, bytes: number, _nowMs: number, cause: 'demand' | 'prefetch'): void {
    if (this.entries.has(blob)) this.onEvict(blob)
    const entry: Entry = { pos: 0, blob, bytes, frequency: 1, priority: this.clock + 1 / Math.max(bytes, 1), seq: this.seq++, unused: cause === 'prefetch' }
    this.entries.set(blob, entry)
    this.heap.push(entry)
  }

  victim (_nowMs: number, protect: ReadonlySet<string>): string | undefined {
    return this.heap.firstNot(entry => protect.has(entry.blob))?.blob
  }

  onEvict (blob: string): void {
    const entry = this.entries.get(blob)
    if (entry === undefined) return
    this.entries.delete(blob)
    this.heap.remove(entry)
    // Skipping protected blobs can evict above the lowest H; the clock must still never run backwards.
    if (entry.priority > this.clock) this.clock = entry.priority
  }

  /** H of a cached blob (tests). */
  priorityOf (blob: string): number | undefined {
    return this.entries.get(blob)?.priority
  }
}
