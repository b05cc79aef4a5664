/**
 * What this fetch knows about who holds which shard: each provider's have-map
 * (refreshed while the fetch runs, because fetchers become holders as they
 * go) and per-shard providers found in the DHT for shards nobody else has.
 */
import type { PeerId } from '@libp2p/interface'

export interface Holder {
  id: PeerId
  key: string
  /** Shard positions this peer holds. */
  has: Set<number>
  inflight: number
  backoffUntilMs: number
  /** Out of this fetch: lied, or kept failing. */
  dropped: boolean
  failures: number
  /** A have request is in flight. */
  asking: boolean
  /** Positions handed off to this peer that its have-map does not show yet. */
  expected: Set<number>
}

export class Holders {
  readonly peers = new Map<string, Holder>()

  upsert (id: PeerId): Holder {
    const key = id.toString()
    let h = this.peers.get(key)
    if (h == null) {
      h = { id, key, has: new Set(), inflight: 0, backoffUntilMs: 0, dropped: false, failures: 0, asking: false, expected: new Set() }
      this.peers.set(key, h)
    }
    return h
  }

  /**
   * Replace a holder's positions from a have bitmap (LSB-first). Positions
   * handed off to it stay until the bitmap shows them (or `forget` drops them).
   */
  setBitmap (h: Holder, bitmap: Uint8Array, shards: number): void {
    h.has.clear()
    for (let i = 0; i < shards; i++) {
      if (((bitmap[i >> 3] ?? 0) & (1 << (i & 7))) !== 0) h.has.add(i)
    }
    for (const i of h.expected) {
      if (h.has.has(i)) h.expected.delete(i)
      else h.has.add(i)
    }
  }

  /** Forget what `h`'s last have-map said; positions handed off to it stay. */
  reset (h: Holder): void {
    h.has.clear()
    for (const i of h.expected) h.has.add(i)
  }

  /** A shard was handed off to `h`: treat it as held there until told otherwise. */
  expect (h: Holder, positions: number[]): void {
    for (const i of positions) { h.has.add(i); h.expected.add(i) }
  }

  /** `h` does not hold these positions after all. */
  forget (h: Holder, positions: number[]): void {
    for (const i of positions) { h.has.delete(i); h.expected.delete(i) }
  }

  /** Usable holders of position `i` (not dropped). */
  holdersOf (i: number): Holder[] {
    const out: Holder[] = []
    for (const h of this.peers.values()) if (!h.dropped && h.has.has(i)) out.push(h)
    return out
  }

  count (i: number): number {
    let n = 0
    for (const h of this.peers.values()) if (!h.dropped && h.has.has(i)) n++
    return n
  }
}
