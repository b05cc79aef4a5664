/**
 * Requests in flight to each peer over every fetch of this node. The per-peer
 * limit must hold however many blobs are fetched at once (containerd pulls
 * several layers together): concurrent fetches share a peer's slots rather
 * than overrun its server's limits and get BUSY. A freed slot wakes the
 * other fetches' schedulers at once.
 */
export class PeerSlots {
  private readonly inflight = new Map<string, number>()
  private readonly schedulers = new Set<() => void>()

  load (peer: string): number {
    return this.inflight.get(peer) ?? 0
  }

  acquire (peer: string): void {
    this.inflight.set(peer, this.load(peer) + 1)
  }

  /** Free a slot and wake every registered scheduler but the releasing one (it reschedules itself). */
  release (peer: string, self: () => void): void {
    const n = this.load(peer) - 1
    if (n <= 0) this.inflight.delete(peer)
    else this.inflight.set(peer, n)
    for (const s of this.schedulers) if (s !== self) s()
  }

  register (schedule: () => void): void {
    this.schedulers.add(schedule)
  }

  unregister (schedule: () => void): void {
    this.schedulers.delete(schedule)
  }
}
