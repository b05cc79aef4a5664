/**
 * The simulated network: regions and their hosts, round trips between
 * regions, link rates, and where the origin registry sits. A topology file
 * (`peers/local.json` is the default) reads:
 *
 * ```json
 * {
 *   "description": "free text, optional",
 *   "regions": { "eu-west": { "hosts": 4, "seedCount": 1 }, "us-east": { ... }, ... },
 *   "rttMs": { "eu-west": { "eu-west": 2, "us-east": 80, "ap-south": 150 }, ... },
 *   "bandwidthMbps": { "lan": 200, "wan": 50 },
 *   "origin": { "region": "us-east", "egressMbps": 200, "rttMs": { "ap-south": 240 } }
 * }
 * ```
 *
 * - `regions`: each region's host count and how many of them are seeds (the
 *   first `seedCount` hosts). The field is not called `seeds` because in a
 *   daemon's peers file (src/daemon/peers-file.ts) `seeds` lists multiaddrs;
 *   so a topology file is also a valid, seedless, peers file.
 * - `rttMs`: round trip in ms between every pair of regions, and within each
 *   region (the diagonal: the LAN round trip). A pair may be given in either
 *   order or both; both must then agree, as round trips are symmetric.
 * - `bandwidthMbps`: a host's egress rate for each link class, in Mbit/s:
 *   `lan` to hosts of its own region, `wan` to other regions. See plan.ts for
 *   whether a rate is per host or per connection.
 * - `origin`: the region the origin registry sits in and its egress rate
 *   (each region's view of it: every region has its own shaped proxy, and
 *   the hosts of a region share its rate). `origin.rttMs` optionally sets a
 *   region's round trip to the origin; by default it is the region's round
 *   trip to the origin's region.
 *
 * The file is validated once, here; every error names the field. Unknown
 * fields are refused.
 */
import { readFile } from 'node:fs/promises'
import { MAX_HOSTS_PER_REGION, MAX_MBPS, MAX_REGIONS, MAX_RTT_MS, MAX_TOPOLOGY_FILE_BYTES, MIN_MBPS } from './constants.js'
import { TopologyError } from './errors.js'

export interface RegionSpec {
  hosts: number
  /** The first `seedCount` hosts of the region are its seeds. */
  seedCount: number
}

export type LinkClass = 'lan' | 'wan'

export interface Topology {
  description?: string
  /** In file order. */
  regions: Record<string, RegionSpec>
  /** Complete and symmetric: `rttMs[a][b] === rttMs[b][a]` for every pair of regions. */
  rttMs: Record<string, Record<string, number>>
  bandwidthMbps: Record<LinkClass, number>
  origin: {
    region: string
    egressMbps: number
    /** Complete: every region's round trip to the origin. */
    rttMs: Record<string, number>
  }
}

/** Same rule as the daemon's `--region`. */
const REGION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/

export function parseTopology (json: unknown, source = 'topology'): Topology {
  const fail = (field: string, msg: string): never => { throw new TopologyError(`${source}: ${field}: ${msg}`) }
  const top = object(json, 'the top level', fail)
  only(top, ['description', 'regions', 'rttMs', 'bandwidthMbps', 'origin'], '', fail)
  if (top.description != null && typeof top.description !== 'string') fail('description', 'must be a string')

  const regionsIn = object(top.regions, 'regions', fail)
  const names = Object.keys(regionsIn)
  if (names.length === 0 || names.length > MAX_REGIONS) fail('regions', `needs 1 to ${MAX_REGIONS} regions, has ${names.length}`)
  const regions: Record<string, RegionSpec> = {}
  for (const name of names) {
    if (!REGION_NAME.test(name)) fail(`regions.${name}`, 'a region name has letters, digits, ".", "_" or "-" (at most 64)')
    const r = object(regionsIn[name], `regions.${name}`, fail)
    only(r, ['hosts', 'seedCount'], `regions.${name}.`, fail)
    const hosts = integer(r.hosts, `regions.${name}.hosts`, 1, MAX_HOSTS_PER_REGION, fail)
    const seedCount = integer(r.seedCount ?? 0, `regions.${name}.seedCount`, 0, hosts, fail)
    regions[name] = { hosts, seedCount }
  }

  const rttIn = object(top.rttMs, 'rttMs', fail)
  for (const [a, row] of Object.entries(rttIn)) {
    if (regions[a] == null) fail(`rttMs.${a}`, `not a region (regions: ${names.join(', ')})`)
    for (const b of Object.keys(object(row, `rttMs.${a}`, fail))) {
      if (regions[b] == null) fail(`rttMs.${a}.${b}`, `not a region (regions: ${names.join(', ')})`)
    }
  }
  const given = (a: string, b: string): number | undefined => {
    const v = (rttIn[a] as Record<string, unknown> | undefined)?.[b]
    return v == null ? undefined : rtt(v, `rttMs.${a}.${b}`, fail)
  }
  const rttMs: Record<string, Record<string, number>> = {}
  for (const a of names) rttMs[a] = {}
  for (const a of names) {
    for (const b of names) {
      const ab = given(a, b)
      const ba = given(b, a)
      if (ab != null && ba != null && ab !== ba) fail(`rttMs.${a}.${b}`, `${ab} differs from rttMs.${b}.${a} (${ba}); round trips are symmetric`)
      const v = ab ?? ba ?? fail(`rttMs.${a}.${b}`, a === b ? 'missing (the round trip within the region)' : 'missing (give it in either order)')
      rttMs[a]![b] = v
    }
  }

  const bw = object(top.bandwidthMbps, 'bandwidthMbps', fail)
  only(bw, ['lan', 'wan'], 'bandwidthMbps.', fail)
  const bandwidthMbps = { lan: mbps(bw.lan, 'bandwidthMbps.lan', fail), wan: mbps(bw.wan, 'bandwidthMbps.wan', fail) }

  const o = object(top.origin, 'origin', fail)
  only(o, ['region', 'egressMbps', 'rttMs'], 'origin.', fail)
  if (typeof o.region !== 'string' || regions[o.region] == null) fail('origin.region', `must name a region (regions: ${names.join(', ')})`)
  const originRegion = o.region as string
  const egressMbps = mbps(o.egressMbps, 'origin.egressMbps', fail)
  const originRttIn = o.rttMs == null ? {} : object(o.rttMs, 'origin.rttMs', fail)
  for (const r of Object.keys(originRttIn)) if (regions[r] == null) fail(`origin.rttMs.${r}`, `not a region (regions: ${names.join(', ')})`)
  const originRtt: Record<string, number> = {}
  for (const r of names) originRtt[r] = originRttIn[r] == null ? rttMs[r]![originRegion]! : rtt(originRttIn[r], `origin.rttMs.${r}`, fail)

  return {
    ...(typeof top.description === 'string' ? { description: top.description } : {}),
    regions, rttMs, bandwidthMbps, origin: { region: originRegion, egressMbps, rttMs: originRtt }
  }
}

export async function readTopology (path: string): Promise<Topology> {
  let text: string
  try { text = await readFile(path, 'utf8') } catch (err) { throw new TopologyError(`${path}: ${(err as Error).message}`) }
  if (text.length > MAX_TOPOLOGY_FILE_BYTES) throw new TopologyError(`${path}: larger than ${MAX_TOPOLOGY_FILE_BYTES} bytes`)
  let json: unknown
  try { json = JSON.parse(text) } catch (err) { throw new TopologyError(`${path}: not JSON: ${(err as Error).message}`) }
  return parseTopology(json, path)
}

export function linkClass (a: string, b: string): LinkClass {
  return a === b ? 'lan' : 'wan'
}

/** Total hosts of the topology. */
export function hostCount (topology: Topology): number {
  return Object.values(topology.regions).reduce((n, r) => n + r.hosts, 0)
}

type Fail = (field: string, msg: string) => never

function object (v: unknown, field: string, fail: Fail): Record<string, unknown> {
  if (typeof v !== 'object' || v == null || Array.isArray(v)) return fail(field, v == null ? 'missing (an object)' : 'must be an object')
  return v as Record<string, unknown>
}

function only (o: Record<string, unknown>, keys: string[], prefix: string, fail: Fail): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`${prefix}${k}`, `unknown field (known: ${keys.join(', ')})`)
}

function integer (v: unknown, field: string, min: number, max: number, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return fail(field, `${JSON.stringify(v)} is not an integer from ${min} to ${max}`)
  return v
}

function rtt (v: unknown, field: string, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_RTT_MS) return fail(field, `${JSON.stringify(v)} is not a round trip from 0 to ${MAX_RTT_MS} ms`)
  return v
}

function mbps (v: unknown, field: string, fail: Fail): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < MIN_MBPS || v > MAX_MBPS) return fail(field, `${JSON.stringify(v)} is not a rate from ${MIN_MBPS} to ${MAX_MBPS} Mbit/s`)
  return v
}
