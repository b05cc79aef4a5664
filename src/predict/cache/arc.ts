/**
 * ARC, the Adaptive Replacement Cache (Megiddo and Modha, FAST 2003). T1
 * holds blobs requested once recently, T2 blobs requested at least twice;
 * the ghost lists B1 and B2 remember (without data) what was evicted from
 * each. A miss that finds its blob in B1 says T1 was too small and raises
 * the target p of T1; one found in B2 lowers it; the victim comes from T1
 * when T1 is above p, else from T2.
 *
 * Adapted to blobs of different sizes, as follows; with blobs of one size
 * it is exactly the paper's algorithm (the tests replay the paper's cases):
 * - every list and p are measured in bytes, c = capacityBytes (a 0-byte
 *   blob weighs 1 in ARC's own lists);
 * - the adaptation steps are scaled by the requested blob's size:
 *   p += bytes x max(1, |B2|/|B1|) on a B1 hit, p -= bytes x max(1, |B1|/|B2|)
 *   on a B2 hit (sizes in bytes), p kept in [0, c];
 * - REPLACE runs once per victim the simulator asks for, so a large blob
 *   can push out several (the choice between T1 and T2 is remade each time);
 * - instead of the paper's case analysis on a complete miss, ghosts are
 *   trimmed after the insertion, oldest first, until |T1|+|B1| <= c (from
 *   B1) and |T1|+|T2|+|B1|+|B2| <= 2c (from B2, then B1). For one size
 *   this deletes the same ghosts as the paper's cases IV.A and IV.B;
 * - a protected blob is skipped; when a list has nothing evictable the
 *   victim comes from the other.
 * A prefetched blob enters T1 (dropping a ghost entry it may have, and
 * adapting nothing: no one asked for it); its first request counts as its
 * first reference, so it stays in T1 (moved to the most recent end), and
 * only a second moves it to T2. The simulator calls `admit` on every miss
 * before it asks for victims: that is where the adaptation happens.
 */
import type { EvictionPolicy } from './index.js'

type LaneName = 't1' | 't2' | 'b1' | 'b2'

interface ArcNode {
  blob: string
  /** Bytes; a 0-byte blob weighs 1, so ghosts of empty blobs are still bounded. */
  weight: number
  lane: Lane
  /** In T1, prefetched and not requested yet. */
  unused: boolean
  older: ArcNode | undefined
  newer: ArcNode | undefined
}

/** One of ARC's four LRU lists, intrusive (the nodes are shared by one map), with its byte total. */
class Lane {
  oldest: ArcNode | undefined
  newest: ArcNode | undefined
  bytes = 0
  count = 0
  constructor (readonly name: LaneName) {}

  append (node: ArcNode): void {
    node.lane = this
    node.older = this.newest
    node.newer = undefined
    if (this.newest !== undefined) this.newest.newer = node
    else this.oldest = node
    this.newest = node
    this.bytes += node.weight
    this.count++
  }

  unlink (node: ArcNode): void {
    if (node.older !== undefined) node.older.newer = node.newer
    else this.oldest = node.newer
    if (node.newer !== undefined) node.newer.older = node.older
    else this.newest = node.older
    this.bytes -= node.weight
    this.count--
  }

  oldestNot (protect: ReadonlySet<string>): string | undefined {
    for (let node = this.oldest; node !== undefined; node = node.newer) {
      if (!protect.has(node.blob)) return node.blob
    }
    return undefined
  }

  blobs (): string[] {
    const out: string[] = []
    for (let node = this.oldest; node !== undefined; node = node.newer) out.push(node.blob)
    return out
  }
}

export class ArcPolicy implements EvictionPolicy {
  readonly name = 'arc'
  /** Every blob in T1, T2, B1 or B2, by id: one lookup per operation whichever list it is in. */
  private readonly nodes = new Map<string, ArcNode>()
  private readonly t1 = new Lane('t1')
  private readonly t2 = new Lane('t2')
  private readonly b1 = new Lane('b1')
  private readonly b2 = new Lane('b2')
  /** p: the target size of T1, bytes. */
  private target = 0
  /** The miss being handled: set by `admit`, cleared by `onInsert`. */
  private pending: { blob: string, inB2: boolean } | undefined

  constructor (private readonly capacityBytes: number) {}

  /** p, and the lists' contents, oldest first (tests). */
  state (): { targetBytes: number, t1: string[], t2: string[], b1: string[], b2: string[] } {
    return { targetBytes: this.target, t1: this.t1.blobs(), t2: this.t2.blobs(), b1: this.b1.blobs(), b2: this.b2.blobs() }
  }

  onHit (blob: string): void {
    const node = this.nodes.get(blob)
    if (node === undefined) return
    const lane = node.lane
    if (lane !== this.t1 && lane !== this.t2) return
    lane.unlink(node)
    if (node.unused) {
      node.unused = false
      this.t1.append(node)
    } else {
      this.t2.append(node)
    }
  }

  admit (blob: string, bytes: number, _nowMs: number, cause: 'demand' | 'prefetch'): boolean {
    this.noteMiss(blob, bytes, cause)
    return true
  }

  victim (_nowMs: number, protect: ReadonlySet<string>): string | undefined {
    const t1Bytes = this.t1.bytes
    const fromT1 = t1Bytes > 0 && (t1Bytes > this.target || (this.pending?.inB2 === true && t1Bytes === this.target))
    const [first, second] = fromT1 ? [this.t1, this.t2] : [this.t2, this.t1]
    return first.oldestNot(protect) ?? second.oldestNot(protect)
  }

  onEvict (blob: string): void {
    const node = this.nodes.get(blob)
    if (node === undefined) return
    const lane = node.lane
    if (lane !== this.t1 && lane !== this.t2) return
    lane.unlink(node)
    node.unused = false
    ;(lane === this.t1 ? this.b1 : this.b2).append(node)
    // Mid-miss the ghosts are trimmed once the blob is in (the paper's order); an eviction on its own trims now.
    if (this.pending === undefined) this.trimGhosts()
  }

  onInsert (blob: string, bytes: number, _nowMs: number, cause: 'demand' | 'prefetch'): void {
    if (this.pending?.blob !== blob) this.noteMiss(blob, bytes, cause)
    this.pending = undefined
    const weight = Math.max(bytes, 1)
    let node = this.nodes.get(blob)
    const ghost = node !== undefined && (node.lane === this.b1 || node.lane === this.b2)
    if (node !== undefined) {
      node.lane.unlink(node)
      node.weight = weight
    } else {
      node = { blob, weight, lane: this.t1, unused: false, older: undefined, newer: undefined }
      this.nodes.set(blob, node)
    }
    node.unused = cause === 'prefetch'
    if (cause === 'demand' && ghost) this.t2.append(node)
    else this.t1.append(node)
    this.trimGhosts()
  }

  private noteMiss (blob: string, bytes: number, cause: 'demand' | 'prefetch'): void {
    const lane = this.nodes.get(blob)?.lane
    const inB1 = lane === this.b1
    const inB2 = lane === this.b2
    const weight = Math.max(bytes, 1)
    // The ghost holding the blob is not empty, so neither divisor is 0.
    if (cause === 'demand' && inB1) {
      this.target = Math.min(this.capacityBytes, this.target + weight * Math.max(1, this.b2.bytes / this.b1.bytes))
    } else if (cause === 'demand' && inB2) {
      this.target = Math.max(0, this.target - weight * Math.max(1, this.b1.bytes / this.b2.bytes))
    }
    this.pending = { blob, inB2: cause === 'demand' && inB2 }
  }

  private dropOldest (lane: Lane): void {
    const node = lane.oldest
    if (node === undefined) return
    lane.unlink(node)
    this.nodes.delete(node.blob)
  }

  private trimGhosts (): void {
    const c = this.capacityBytes
    while (this.b1.count > 0 && this.t1.bytes + this.b1.bytes > c) this.dropOldest(this.b1)
    while (this.t1.bytes + this.t2.bytes + this.b1.bytes + this.b2.bytes > 2 * c) {
      if (this.b2.count > 0) this.dropOldest(this.b2)
      else if (this.b1.count > 0) this.dropOldest(this.b1)
      else break
    }
  }
}
