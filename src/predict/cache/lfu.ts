/**
 * Least frequently used, by in-cache frequency: a blob's count is the
 * number of requests for it since it last entered the cache (it starts at 1
 * and is forgotten on eviction). Ties go to the least recently used, so
 * among blobs seen once LFU behaves like LRU. A prefetch counts as the
 * insertion, and the first request of a prefetched blob does not add to its
 * count (it only refreshes its recency), so a used prefetch ends where a
 * demand miss would have: count 1.
 *
 * O(1) per operation (Shah, Mitra and Matani's LFU): blobs sit in buckets
 * of equal count, the buckets in a linked list by increasing count, each
 * bucket's blobs in recency order.
 */
import type { EvictionPolicy } from './index.js'
import { RecencyList } from './recency.js'

interface Bucket {
  count: number
  blobs: RecencyList<true>
  prev: Bucket | undefined
  next: Bucket | undefined
}

interface Entry {
  bucket: Bucket
  /** Prefetched and not requested yet. */
  unused: boolean
}

export class LfuPolicy implements EvictionPolicy {
  readonly name = 'lfu'
  private readonly entries = new Map<string, Entry>()
  /** The bucket of the lowest count. */
  private head: Bucket | undefined

  onHit (blob: string): void {
    const entry = this.entries.get(blob)
    if (entry === undefined) return
    const bucket = entry.bucket
    if (entry.unused) {
      entry.unused = false
      bucket.blobs.touch(blob, true)
      return
    }
    let next = bucket.next
    if (next === undefined || next.count !== bucket.count + 1) next = this.bucketAfter(bucket, bucket.count + 1)
    next.blobs.touch(blob, true)
    entry.bucket = next
    this.leave(bucket, blob)
  }

  onInsert (blob: string, _bytes: number, _nowMs: number, cause: 'demand' | 'prefetch'): void {
    if (this.entries.has(blob)) this.onEvict(blob)
    let first = this.head
    if (first === undefined || first.count !== 1) {
      first = { count: 1, blobs: new RecencyList(), prev: undefined, next: this.head }
      if (this.head !== undefined) this.head.prev = first
      this.head = first
    }
    first.blobs.touch(blob, true)
    this.entries.set(blob, { bucket: first, unused: cause === 'prefetch' })
  }

  victim (_nowMs: number, protect: ReadonlySet<string>): string | undefined {
    for (let bucket = this.head; bucket !== undefined; bucket = bucket.next) {
      const blob = bucket.blobs.oldestNot(protect)
      if (blob !== undefined) return blob
    }
    return undefined
  }

  onEvict (blob: string): void {
    const entry = this.entries.get(blob)
    if (entry === undefined) return
    this.entries.delete(blob)
    this.leave(entry.bucket, blob)
  }

  /** The count of a cached blob (tests). */
  countOf (blob: string): number | undefined {
    return this.entries.get(blob)?.bucket.count
  }

  private bucketAfter (bucket: Bucket, count: number): Bucket {
    const created: Bucket = { count, blobs: new RecencyList(), prev: bucket, next: bucket.next }
    if (bucket.next !== undefined) bucket.next.prev = created
    bucket.next = created
    return created
  }

  /** Take `blob` out of `bucket`, and drop the bucket when it empties. */
  private leave (bucket: Bucket, blob: string): void {
    bucket.blobs.delete(blob)
    if (bucket.blobs.size > 0) return
    if (bucket.prev !== undefined) bucket.prev.next = bucket.next
    else this.head = bucket.next
    if (bucket.next !== undefined) bucket.next.prev = bucket.prev
  }
}
