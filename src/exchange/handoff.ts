/**
 * Hand-off ("super-seeding"): a server remembers which peer it last began
 * sending each shard to. When another peer asks for the same shard soon after
 * (even while the first transfer is still running), and the
 * first one is still connected, the server answers ELSEWHERE naming it,
 * instead of sending the bytes again: the bytes then leave this server about
 * once, and fetchers fill each other in. Each peer is sent elsewhere at most
 * once per shard, so a hand-off that leads nowhere costs one round trip and
 * the next request is served.
 *
 * With `regionOf`, the server also remembers the last recipient in each
 * region, and sends a requester to one in its own region first: the bytes
 * then cross between regions about once per region, and the rest of a region
 * fills in over its LAN. Without a recipient in the requester's region, the
 * last recipient anywhere is named, as before: its uplink is idle, where this
 * server's is not.
 */
export interface HandoffInit {
  /** A send older than this is not handed off. */
  windowMs: number
  /** Shards remembered at most (oldest forgotten first). */
  maxEntries: number
  isConnected: (peer: string) => boolean
  /** A peer's region, when known. */
  regionOf?: (peer: string) => string | undefined
  nowMs?: () => number
}

interface Recipient { peer: string, sentAtMs: number }
interface Entry { last: Recipient, byRegion: Map<string, Recipient>, handedOff: Set<string> }

export class Handoff {
  private readonly sent = new Map<string, Entry>()
  private readonly now: () => number

  constructor (private readonly init: HandoffInit) {
    this.now = init.nowMs ?? Date.now
  }

  /** The peer to send `requester` to for `cid`, or undefined to serve it here. */
  redirect (cid: string, requester: string): string | undefined {
    const e = this.sent.get(cid)
    if (e == null || e.handedOff.has(requester)) return undefined
    const usable = (r: Recipient | undefined): r is Recipient =>
      r != null && r.peer !== requester && this.now() - r.sentAtMs <= this.init.windowMs && this.init.isConnected(r.peer)
    const region = this.init.regionOf?.(requester)
    const near = region != null ? e.byRegion.get(region) : undefined
    const target = usable(near) ? near : usable(e.last) ? e.last : undefined
    if (target == null) return undefined
    e.handedOff.add(requester)
    return target.peer
  }

  /** A shard is being sent to `peer` (it will hold it in a moment). */
  recordSent (cid: string, peer: string): void {
    const prev = this.sent.get(cid)
    this.sent.delete(cid)
    const r = { peer, sentAtMs: this.now() }
    const e: Entry = { last: r, byRegion: prev?.byRegion ?? new Map(), handedOff: prev?.handedOff ?? new Set() }
    const region = this.init.regionOf?.(peer)
    if (region != null) e.byRegion.set(region, r)
    this.sent.set(cid, e)
    if (this.sent.size > this.init.maxEntries) {
      const oldest = this.sent.keys().next().value
      if (oldest != null) this.sent.delete(oldest)
    }
  }
}
