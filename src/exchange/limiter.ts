/**
 * Per-peer admission for served shards: a count of streams and of bytes in
 * flight per peer, and a total. `tryAcquire` never waits: a peer over its
 * share gets BUSY and asks someone else.
 */
export interface PeerLimiterInit {
  streamsPerPeer: number
  bytesPerPeer: number
  streamsTotal: number
}

interface Usage { streams: number, bytes: number }

export class PeerLimiter {
  private readonly usage = new Map<string, Usage>()
  private total = 0

  constructor (private readonly init: PeerLimiterInit) {}

  tryAcquire (peer: string, bytes: number): boolean {
    const u = this.usage.get(peer) ?? { streams: 0, bytes: 0 }
    if (this.total >= this.init.streamsTotal) return false
    if (u.streams >= this.init.streamsPerPeer) return false
    // A single shard larger than the byte budget is still admitted when nothing else is in flight.
    if (u.streams > 0 && u.bytes + bytes > this.init.bytesPerPeer) return false
    u.streams++
    u.bytes += bytes
    this.total++
    this.usage.set(peer, u)
    return true
  }

  release (peer: string, bytes: number): void {
    const u = this.usage.get(peer)
    if (u == null) return
    u.streams--
    u.bytes -= bytes
    this.total--
    if (u.streams <= 0) this.usage.delete(peer)
  }

  inFlight (peer?: string): { streams: number, bytes: number } {
    if (peer == null) return { streams: this.total, bytes: [...this.usage.values()].reduce((a, u) => a + u.bytes, 0) }
    const u = this.usage.get(peer)
    return { streams: u?.streams ?? 0, bytes: u?.bytes ?? 0 }
  }
}
