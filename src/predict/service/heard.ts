/**
 * What peers said on `shoal/priority/1`: the latest message of each peer,
 * for at most `maxPeers` peers (the one heard from least recently goes
 * first) and for `ttlMs` after it arrived (by this daemon's clock: peers'
 * clocks may disagree with it, and with each other).
 */
import type { PriorityMessage } from './gossip.js'

interface Heard {
  message: PriorityMessage
  /** When it arrived, by the receiver's clock. */
  receivedMs: number
}

/** A layer as the peers see it, summed over them. */
export interface HeardLayer {
  demand: Map<string, number>
  heldIn: Set<string>
}

export class HeardTable {
  /** By peer id; re-inserted on every message, so the first is the least recently heard. */
  private readonly peers = new Map<string, Heard>()

  constructor (private readonly maxPeers: number, private readonly ttlMs: number) {}

  get size (): number {
    return this.peers.size
  }

  /** Keep `message` as `peer`'s latest; false (and nothing kept) when it is older than the one held. */
  take (peer: string, message: PriorityMessage, nowMs: number): boolean {
    const old = this.peers.get(peer)
    if (old != null && old.message.atMs > message.atMs) return false
    this.peers.delete(peer)
    this.peers.set(peer, { message, receivedMs: nowMs })
    while (this.peers.size > this.maxPeers) this.peers.delete(this.peers.keys().next().value as string)
    return true
  }

  /** Forget the messages older than the TTL. */
  expire (nowMs: number): void {
    for (const [peer, h] of this.peers) if (nowMs - h.receivedMs > this.ttlMs) this.peers.delete(peer)
  }

  /**
   * Every layer some peer named: its demand per region (each peer's own,
   * so summing counts each request once) and the regions that hold it.
   */
  layers (): Map<string, HeardLayer> {
    const out = new Map<string, HeardLayer>()
    for (const { message } of this.peers.values()) {
      for (const l of message.layers) {
        let h = out.get(l.digest)
        if (h == null) out.set(l.digest, h = { demand: new Map(), heldIn: new Set() })
        for (const [region, d] of Object.entries(l.demand)) h.demand.set(region, (h.demand.get(region) ?? 0) + d)
        if (l.held) h.heldIn.add(message.region)
      }
    }
    return out
  }
}
