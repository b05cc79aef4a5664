/**
 * Hand-off ("super-seeding"): a server remembers which peer it last began
 * sending each shard to. When another peer asks for the same shard soon after
 * (even while the first transfer is still running), and the
 * first one is still connected, the server answers ELSEWHERE naming it,
 * instead of sending the bytes again: the bytes then leave this server about
 * once, and fetchers fill each other in. Each peer is sent elsewhere at most
 * once per shard, so a hand-off that leads nowhere costs one round trip and
 * the next request is served.
 */
export interface HandoffInit {
  /** A send older than this is not handed off. */
  windowMs: number
  /** Shards remembered at most (oldest forgotten first). */
  maxEntries: number
  isConnected: (peer: string) => boolean
  nowMs?: () => number
}

interface Entry { peer: string, sentAtMs: number, handedOff: Set<string> }

export class Handoff {
  private readonly sent = new Map<string, Entry>()
  private readonly now: () => number

  constructor (private readonly init: HandoffInit) {
    this.now = init.nowMs ?? Date.now
  }

  /** The peer to send `requester` to for `cid`, or undefined to serve it here. */
  redirect (cid: string, requester: string): string | undefined {
    const e = this.sent.get(cid)
    if (e == null || e.peer === requester || e.handedOff.has(requester)) return undefined
    if (this.now() - e.sentAtMs > this.init.windowMs || !this.init.isConnected(e.peer)) return undefined
    e.handedOff.add(requester)
    return e.peer
  }

  /** A shard is being sent to `peer` (it will hold it in a moment). */
  recordSent (cid: string, peer: string): void {
    const prev = this.sent.get(cid)
    this.sent.delete(cid)
    this.sent.set(cid, { peer, sentAtMs: this.now(), handedOff: prev?.handedOff ?? new Set() })
    if (this.sent.size > this.init.maxEntries) {
      const oldest = this.sent.keys().next().value
      if (oldest != null) this.sent.delete(oldest)
    }
  }
}
