/**
 * Peers files (`peers/*.json`) describe a swarm's regions and their seeds:
 *
 * ```json
 * { "regions": { "eu-west": { "seeds": ["/ip4/10.0.0.5/tcp/4001/p2p/12D3Koo..."] } } }
 * ```
 *
 * A daemon dials every seed at start. Other fields (latencies and bandwidths
 * between regions, used by the simulator) are allowed and ignored here.
 */
import { readFile } from 'node:fs/promises'
import { multiaddr } from '@multiformats/multiaddr'
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

export async function readPeersFile (path: string): Promise<PeersFile> {
  let text: string
  try { text = await readFile(path, 'utf8') } catch (err) { throw new ConfigError(`peers file ${path}: ${(err as Error).message}`) }
  return parsePeersFile(text, path)
}

/** Every seed multiaddr of every region. */
export function seedAddrs (file: PeersFile): string[] {
  return Object.values(file.regions).flatMap(r => r.seeds)
}
