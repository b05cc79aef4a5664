/**
 * From a topology to what each simulated daemon needs: its name, region,
 * seed role and loopback address (127.0.R.H: region R and host H, both from
 * 1, so the address names the host and its region), the `regionOf` lookup
 * that every daemon shares, and the per-host link shapes for shapedTcp.
 *
 * Rates are per host by default: a host has one bucket per link class (one
 * for its LAN peers, one for all WAN peers), shared by all its connections,
 * as an uplink is. That keeps the whole swarm's traffic bounded by the sum of
 * the hosts' uplinks, whatever the number of connections, which matters
 * because every byte really crosses loopback on one machine. `scope: 'link'`
 * gives each connection its own bucket instead.
 */
import type { LinkShape } from './shaped-tcp.js'
import { TopologyError } from './errors.js'
import { TokenBucket } from './shaper.js'
import { linkClass, type LinkClass, type Topology } from './topology.js'

export interface HostPlan {
  /** `<region>-<index>`, e.g. `eu-west-0`. */
  name: string
  region: string
  /** Index within the region, from 0. */
  index: number
  seed: boolean
  /** The host's own loopback address: listen on it, and pass it to shapedTcp as `localAddress`. */
  address: string
}

/** Every host of the topology, region by region in file order, seeds first. */
export function planHosts (topology: Topology): HostPlan[] {
  return Object.entries(topology.regions).flatMap(([region, spec], r) =>
    Array.from({ length: spec.hosts }, (_v, h) => ({
      name: `${region}-${h}`, region, index: h, seed: h < spec.seedCount, address: `127.0.${r + 1}.${h + 1}`
    })))
}

/** The region of a host address of the plan (any port), or undefined. */
export function regionOfAddress (plan: HostPlan[]): (host: string, port?: number) => string | undefined {
  const byAddress = new Map(plan.map(h => [h.address, h.region]))
  return host => byAddress.get(host)
}

export interface HostLinksInit {
  /** 'host': one bucket per link class for all of the host's connections; 'link': one per connection. @default 'host' */
  scope?: 'host' | 'link'
}

/** How a host of `region` sends to each region: shapedTcp's `linkFor`. */
export function hostLinks (topology: Topology, region: string, init: HostLinksInit = {}): (remoteRegion: string) => LinkShape | undefined {
  const scope = init.scope ?? 'host'
  const buckets: Partial<Record<LinkClass, TokenBucket>> = {}
  return remote => {
    const rttMs = topology.rttMs[region]?.[remote]
    if (rttMs == null) return undefined
    const cls = linkClass(region, remote)
    const mbps = topology.bandwidthMbps[cls]
    if (scope === 'link') return { rttMs, mbps }
    const bucket = buckets[cls] ??= new TokenBucket({ mbps })
    return { rttMs, mbps, bucket }
  }
}

/** A region's path to the origin: round trip and the origin's egress rate as that region sees it. */
export function originLink (topology: Topology, region: string): { rttMs: number, mbps: number } {
  const rttMs = topology.origin.rttMs[region]
  if (rttMs == null) throw new TopologyError(`origin.rttMs: no region ${JSON.stringify(region)} in the topology`)
  return { rttMs, mbps: topology.origin.egressMbps }
}
