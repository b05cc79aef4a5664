/** Bytes sent to and received from each peer over the exchange, for `shoal peers` and metrics. */
export interface PeerTraffic { sentBytes: number, receivedBytes: number }

export class TrafficCounter {
  private readonly byPeer = new Map<string, PeerTraffic>()

  sent (peer: string, bytes: number): void { this.get(peer).sentBytes += bytes }
  received (peer: string, bytes: number): void { this.get(peer).receivedBytes += bytes }
  peer (peer: string): PeerTraffic { return this.byPeer.get(peer) ?? { sentBytes: 0, receivedBytes: 0 } }
  all (): Map<string, PeerTraffic> { return this.byPeer }

  private get (peer: string): PeerTraffic {
    let t = this.byPeer.get(peer)
    if (t == null) { t = { sentBytes: 0, receivedBytes: 0 }; this.byPeer.set(peer, t) }
    return t
  }
}
