/**
 * What this node has measured of each peer: round-trip time (time to a
 * response header), throughput (bytes per second of shard bodies), failures
 * and penalties. The fetch scheduler ranks holders with `score`; a peer that
 * sent bytes that failed verification is penalised and, past BAN_PENALTY,
 * avoided.
 */
import { BAN_PENALTY } from './constants.js'

const ALPHA = 0.3
/** Optimistic guesses for a peer not measured yet, so new peers get tried. */
const DEFAULT_RTT_MS = 50
const DEFAULT_THROUGHPUT_BPS = 50 * 1024 * 1024

export interface PeerStat {
  rttMs: number
  throughputBps: number
  samples: number
  failures: number
  penalty: number
  lastFailureMs: number
}

export class PeerStats {
  private readonly peers = new Map<string, PeerStat>()

  get (peer: string): PeerStat {
    let s = this.peers.get(peer)
    if (s == null) {
      s = { rttMs: DEFAULT_RTT_MS, throughputBps: DEFAULT_THROUGHPUT_BPS, samples: 0, failures: 0, penalty: 0, lastFailureMs: 0 }
      this.peers.set(peer, s)
    }
    return s
  }

  recordRtt (peer: string, ms: number): void {
    const s = this.get(peer)
    s.rttMs = s.samples === 0 ? ms : s.rttMs * (1 - ALPHA) + ms * ALPHA
  }

  recordTransfer (peer: string, bytes: number, ms: number): void {
    if (bytes < 64 * 1024 || ms <= 0) return
    const s = this.get(peer)
    const bps = bytes / (ms / 1000)
    s.throughputBps = s.samples === 0 ? bps : s.throughputBps * (1 - ALPHA) + bps * ALPHA
    s.samples++
  }

  recordFailure (peer: string, nowMs: number): void {
    const s = this.get(peer)
    s.failures++
    s.lastFailureMs = nowMs
  }

  /** Data from peers that failed a check (shards, indexes, blobs); each penalised its sender. */
  verificationFailures = 0

  penalise (peer: string, points = 1): void {
    this.verificationFailures++
    this.get(peer).penalty += points
  }

  isBanned (peer: string): boolean {
    return (this.peers.get(peer)?.penalty ?? 0) >= BAN_PENALTY
  }

  /** Expected milliseconds to fetch `bytes` from the peer: one round trip plus transfer time. */
  expectedMs (peer: string, bytes: number): number {
    const s = this.get(peer)
    return s.rttMs + (bytes / s.throughputBps) * 1000
  }

  all (): Map<string, PeerStat> {
    return this.peers
  }
}
