/**
 * Peers files (`peers/*.json`) describe a swarm's regions and their seeds:
 *
 * ```json
 * { "regions": { "eu-west": { "seeds": ["/ip4/10.0.0.5/tcp/4001/p2p/12D3Koo..."] } } }
 * ```
 *
 * A daemon dials every seed at start. Seeds named by peer id (`/p2p/...`)
 * are the voters of the replica quorum (`seedPeers`). Other fields (latencies and bandwidths
 * between regions, used by the simulator) are allowed and ignored here.
 */
import { readFile } from 'node:fs/promises'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { ConfigError } from './config.js'

export interface PeersFile {
  regions: Record<string, { seeds: string[] }>
}

export function parsePeersFile (text: string, source: string): PeersFile {
  let json: unknown
  try { json = JSON.parse(text) } catch (err) { throw new ConfigError(`peers file ${source}: ${(err as Error).message}`) }
  const regions = (json as { regions?: unknown })?.regions
  if (typeof regions !== 'object' || regions == null || Array.isArray(regions)) throw new ConfigError(`peers file ${source}: needs an object "regions" mapping region names to { "seeds": [multiaddr, ...] }`)
  const out: PeersFile = { regions: {} }
  for (const [name, r] of Object.entries(regions)) {
    const seeds = (r as { seeds?: unknown })?.seeds ?? []
    if (!Array.isArray(seeds) || !seeds.every(s => typeof s === 'string')) throw new ConfigError(`peers file ${source}: regions.${name}.seeds must be a list of multiaddr strings`)
    for (const s of seeds) {
      try { multiaddr(s) } catch (err) { throw new ConfigError(`peers file ${source}: regions.${name}.seeds: ${JSON.stringify(s)} is not a multiaddr (${(err as Error).message})`) }
    }
    out.regions[name] = { seeds }
  }
  return out
}

/** The peers file's text, for the parsers that each read their part of it (seeds here, round trips for priorities). */
export async function readPeersText (path: string): Promise<string> {
  try { return await readFile(path, 'utf8') } catch (err) { throw new ConfigError(`peers file ${path}: ${(err as Error).message}`) }
}

/** Every seed multiaddr of every region. */
export function seedAddrs (file: PeersFile): string[] {
  return Object.values(file.regions).flatMap(r => r.seeds)
}

export interface SeedPeers {
  /** The seeds' peer ids (the `/p2p/` part of each multiaddr), sorted, each once: the quorum's voters. */
  voters: string[]
  /** Region of each voter. */
  regions: Record<string, string>
  /** Seed multiaddrs without a `/p2p/<peer id>`: they can be dialled, but cannot vote. */
  unnamed: string[]
}

/** Who votes in the replica quorum: the seeds that the peers file names by peer id. */
export function seedPeers (file: PeersFile): SeedPeers {
  const regions: Record<string, string> = {}
  const unnamed: string[] = []
  for (const [region, r] of Object.entries(file.regions)) {
    for (const s of r.seeds) {
      const id = multiaddr(s).getComponents().findLast(c => c.name === 'p2p')?.value
      if (id == null) { unnamed.push(s); continue }
      try { peerIdFromString(id) } catch (err) { throw new ConfigError(`peers file: seed ${s}: ${JSON.stringify(id)} is not a peer id (${(err as Error).message})`) }
      // A seed listed twice (two addresses) is one voter; two regions for one peer is a mistake.
      if (regions[id] != null && regions[id] !== region) throw new ConfigError(`peers file: seed ${id} is listed in regions ${regions[id]} and ${region}; a seed belongs to one region`)
      regions[id] = region
    }
  }
  return { voters: Object.keys(regions).sort(), regions, unnamed }
}
