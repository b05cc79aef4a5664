/**
 * A lower bound on the time to distribute a workload, from the topology's
 * bandwidths: no schedule, swarm or not, can beat it.
 *
 * - origin: every distinct byte pulled must leave the origin at least once
 *   (a peer can only pass on what some host got from it), at most at the
 *   origin's egress rate: `uniqueBytes / originEgress`;
 * - host: a host must receive every byte it did not have, at most at its
 *   downlink rate, and not before its first pull starts:
 *   `(first start - t0) + needed / downlink`;
 * - pull: likewise for each pull alone, from its own start;
 * - plus one round trip, for the first request.
 *
 * The bound is the largest term plus the RTT, from t0, the first pull's
 * start. "Needed" is the bytes of a pull that did not come from the host's
 * own store (peer + origin), as the swarm run recorded them.
 */
import type { PullRecord, TopologyBandwidths } from './index.js'
import { firstStartMs } from './stats.js'

export interface LowerBound {
  /** max(originMs, hostMs, pullMs) + rttMs */
  ms: number
  originMs: number
  hostMs: number
  /** The host whose term is largest. */
  host: string | null
  pullMs: number
  rttMs: number
  /** Which term decides the bound. */
  binding: 'origin' | 'host' | 'pull'
}

export function distributeLowerBound (pulls: readonly PullRecord[], uniqueBytes: number, topology: TopologyBandwidths): LowerBound {
  const t0 = firstStartMs(pulls)
  const downlink = (host: string): number => topology.hostDownlinkBytesPerSecondByHost?.[host] ?? topology.hostDownlinkBytesPerSecond
  const needed = (p: PullRecord): number => Math.max(0, p.bytesBySource.peer + p.bytesBySource.origin)

  const originMs = uniqueBytes / topology.originEgressBytesPerSecond * 1000
  const hosts = new Map<string, { firstStartMs: number, bytes: number }>()
  let pullMs = 0
  for (const p of pulls) {
    const h = hosts.get(p.host)
    if (h === undefined) hosts.set(p.host, { firstStartMs: p.startMs, bytes: needed(p) })
    else { h.firstStartMs = Math.min(h.firstStartMs, p.startMs); h.bytes += needed(p) }
    pullMs = Math.max(pullMs, p.startMs - t0 + needed(p) / downlink(p.host) * 1000)
  }
  let hostMs = 0
  let host: string | null = null
  for (const [name, h] of [...hosts].sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)) {
    const ms = h.firstStartMs - t0 + h.bytes / downlink(name) * 1000
    if (ms > hostMs) { hostMs = ms; host = name }
  }
  const top = Math.max(originMs, hostMs, pullMs)
  const binding = top === originMs ? 'origin' : top === hostMs ? 'host' : 'pull'
  return { ms: top + topology.rttMs, originMs, hostMs, host, pullMs, rttMs: topology.rttMs, binding }
}
