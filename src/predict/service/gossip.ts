/**
 * The `shoal/priority/1` message: one daemon's top layers, as JSON,
 *
 *   {"v":1,"region":"eu-west","at":1714564800000,
 *    "layers":[{"d":"sha256:...","p":0.61,"dem":{"eu-west":12.5},"held":true}, ...]}
 *
 * `p` is the sender's priority (for people reading a peer's view), `dem` the
 * sender's own predicted requests per region, `held` whether the sender's
 * store holds the layer. Decoding checks everything a receiver relies on
 * and throws PriorityGossipError naming the first problem.
 */
import {
  PRIORITY_GOSSIP_LAYERS, PRIORITY_GOSSIP_MAX_BYTES, PRIORITY_GOSSIP_MAX_REGIONS, PRIORITY_MAX_ABS_PRIORITY, PRIORITY_MAX_DEMAND,
  PRIORITY_REGION_MAX_CHARS
} from './constants.js'
import { PriorityGossipError } from './errors.js'

const VERSION = 1
const DIGEST_RE = /^sha256:[0-9a-f]{64}$/
const REGION_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

export interface PriorityMessageLayer {
  digest: string
  priority: number
  /** The sender's own predicted requests per region. */
  demand: Record<string, number>
  held: boolean
}

export interface PriorityMessage {
  region: string
  /** When the sender scored it, ms since the epoch (the sender's clock). */
  atMs: number
  layers: PriorityMessageLayer[]
}

export function isRegion (v: unknown): v is string {
  return typeof v === 'string' && v.length <= PRIORITY_REGION_MAX_CHARS && REGION_RE.test(v)
}

export function isDigest (v: unknown): v is string {
  return typeof v === 'string' && DIGEST_RE.test(v)
}

/**
 * At most PRIORITY_GOSSIP_LAYERS layers (the first ones), each with its
 * PRIORITY_GOSSIP_MAX_REGIONS most demanded regions, and as many of them as
 * fit in PRIORITY_GOSSIP_MAX_BYTES.
 */
export function encodePriorityMessage (m: PriorityMessage): Uint8Array {
  const head = `{"v":${VERSION},"region":${JSON.stringify(m.region)},"at":${Math.floor(m.atMs)},"layers":[`
  const parts: string[] = []
  let size = Buffer.byteLength(head) + 2
  for (const l of m.layers.slice(0, PRIORITY_GOSSIP_LAYERS)) {
    const dem: Record<string, number> = {}
    const regions = Object.entries(l.demand).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, PRIORITY_GOSSIP_MAX_REGIONS)
    for (const [region, d] of regions) dem[region] = round(d, 1000)
    const part = JSON.stringify({ d: l.digest, p: round(l.priority, 10_000), dem, held: l.held })
    const bytes = Buffer.byteLength(part) + 1
    if (size + bytes > PRIORITY_GOSSIP_MAX_BYTES) break
    parts.push(part)
    size += bytes
  }
  return new TextEncoder().encode(head + parts.join(',') + ']}')
}

export function decodePriorityMessage (data: Uint8Array): PriorityMessage {
  if (data.byteLength > PRIORITY_GOSSIP_MAX_BYTES) throw new PriorityGossipError(`${data.byteLength} bytes, over ${PRIORITY_GOSSIP_MAX_BYTES}`)
  let raw: unknown
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data))
  } catch (err) {
    throw new PriorityGossipError(`not JSON: ${(err as Error).message}`)
  }
  if (!isObject(raw)) throw new PriorityGossipError('not an object')
  if (raw.v !== VERSION) throw new PriorityGossipError(`unknown version ${JSON.stringify(raw.v)}`)
  if (!isRegion(raw.region)) throw new PriorityGossipError('region is not a region name')
  if (!Number.isSafeInteger(raw.at) || (raw.at as number) < 0) throw new PriorityGossipError('at must be a time in ms')
  if (!Array.isArray(raw.layers)) throw new PriorityGossipError('layers must be a list')
  if (raw.layers.length > PRIORITY_GOSSIP_LAYERS) throw new PriorityGossipError(`${raw.layers.length} layers, over ${PRIORITY_GOSSIP_LAYERS}`)
  const seen = new Set<string>()
  const layers = raw.layers.map((w: unknown, i): PriorityMessageLayer => {
    if (!isObject(w)) throw new PriorityGossipError(`layers[${i}] is not an object`)
    if (!isDigest(w.d)) throw new PriorityGossipError(`layers[${i}].d is not a sha256 digest`)
    if (seen.has(w.d)) throw new PriorityGossipError(`layers[${i}]: ${w.d} is listed twice`)
    seen.add(w.d)
    if (typeof w.p !== 'number' || !(Math.abs(w.p) <= PRIORITY_MAX_ABS_PRIORITY)) throw new PriorityGossipError(`layers[${i}].p must be a number within ±${PRIORITY_MAX_ABS_PRIORITY}`)
    if (typeof w.held !== 'boolean') throw new PriorityGossipError(`layers[${i}].held must be true or false`)
    if (!isObject(w.dem)) throw new PriorityGossipError(`layers[${i}].dem must be an object of regions`)
    const entries = Object.entries(w.dem)
    if (entries.length > PRIORITY_GOSSIP_MAX_REGIONS) throw new PriorityGossipError(`layers[${i}].dem names ${entries.length} regions, over ${PRIORITY_GOSSIP_MAX_REGIONS}`)
    const demand: Record<string, number> = {}
    for (const [region, d] of entries) {
      if (!isRegion(region)) throw new PriorityGossipError(`layers[${i}].dem: ${JSON.stringify(String(region).slice(0, 80))} is not a region name`)
      if (typeof d !== 'number' || !(d >= 0 && d <= PRIORITY_MAX_DEMAND)) throw new PriorityGossipError(`layers[${i}].dem.${region} must be a number from 0 to ${PRIORITY_MAX_DEMAND}`)
      demand[region] = d
    }
    return { digest: w.d, priority: w.p, demand, held: w.held }
  })
  return { region: raw.region, atMs: raw.at as number, layers }
}

function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v != null && !Array.isArray(v)
}

function round (x: number, per: number): number {
  return Math.round(x * per) / per
}
