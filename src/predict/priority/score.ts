/** The arithmetic behind `computePriorities` (see index.ts for the formula). */
import { DEFAULT_ORIGIN_RTT_MS, MAX_PRIORITY_LAYERS, MAX_PRIORITY_REGIONS, MAX_WEIGHT } from './constants.js'
import { InvalidPriorityInputError } from './errors.js'
import type { Distances, LayerOutlook, LayerPriority, PriorityWeights } from './index.js'

export function checkWeights (w: PriorityWeights): PriorityWeights {
  for (const key of ['usage', 'threat', 'proximity'] as const) {
    const v = w[key]
    if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > MAX_WEIGHT) {
      throw new InvalidPriorityInputError(`weights.${key}: ${String(v)} must be a number between -${MAX_WEIGHT} and ${MAX_WEIGHT}`)
    }
  }
  return { usage: w.usage, threat: w.threat, proximity: w.proximity }
}

/** "0.6,-0.25,0.4" (usage, threat, proximity) as weights. */
export function parseWeights (text: string): PriorityWeights {
  const parts = text.split(',').map(s => s.trim())
  if (parts.length !== 3 || parts.some(p => p === '' || !/^[-+]?\d*\.?\d+(e[-+]?\d+)?$/i.test(p))) {
    throw new InvalidPriorityInputError(`priority weights: ${JSON.stringify(text)} must be three numbers "usage,threat,proximity", e.g. "0.6,-0.25,0.4"`)
  }
  const [usage, threat, proximity] = parts.map(Number) as [number, number, number]
  return checkWeights({ usage, threat, proximity })
}

class DistanceTable {
  private readonly rtt: Distances['rttMs']
  private readonly origin: Readonly<Record<string, number>> | number
  readonly maxMs: number

  constructor (d: Distances) {
    this.rtt = d.rttMs
    this.origin = d.originRttMs ?? DEFAULT_ORIGIN_RTT_MS
    let max = typeof this.origin === 'number' ? this.origin : 0
    if (typeof this.origin !== 'number') {
      for (const [region, ms] of Object.entries(this.origin)) max = Math.max(max, checkMs(ms, `originRttMs.${region}`))
    } else {
      checkMs(this.origin, 'originRttMs')
    }
    for (const [a, row] of Object.entries(this.rtt)) {
      for (const [b, ms] of Object.entries(row)) max = Math.max(max, checkMs(ms, `rttMs.${a}.${b}`))
    }
    this.maxMs = max > 0 ? max : DEFAULT_ORIGIN_RTT_MS
  }

  toOrigin (region: string): number {
    if (typeof this.origin === 'number') return this.origin
    return this.origin[region] ?? this.maxMs
  }

  /** Round trip between two regions; 0 within one; unknown pairs count as the farthest. */
  between (a: string, b: string): number {
    if (a === b) return 0
    return this.rtt[a]?.[b] ?? this.rtt[b]?.[a] ?? this.maxMs
  }

  /** From `region` to the nearest copy, or to the origin when there is none nearer. */
  nearest (region: string, cached: readonly string[]): number {
    let best = this.toOrigin(region)
    for (const c of cached) best = Math.min(best, this.between(region, c))
    return best
  }
}

function checkMs (ms: unknown, field: string): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new InvalidPriorityInputError(`distances.${field}: ${String(ms)} must be a round trip in ms (>= 0)`)
  return ms
}

function checkLayer (l: LayerOutlook, i: number): { demand: Array<[string, number]>, total: number, threat: number } {
  if (typeof l?.digest !== 'string' || l.digest.length === 0) throw new InvalidPriorityInputError(`layers[${i}].digest must be a non-empty string`)
  const entries = Object.entries(l.demandByRegion ?? {})
  if (entries.length > MAX_PRIORITY_REGIONS) throw new InvalidPriorityInputError(`layers[${i}] (${l.digest}): ${entries.length} regions is more than ${MAX_PRIORITY_REGIONS}`)
  let total = 0
  for (const [region, d] of entries) {
    if (typeof d !== 'number' || !Number.isFinite(d) || d < 0) throw new InvalidPriorityInputError(`layers[${i}] (${l.digest}).demandByRegion.${region}: ${String(d)} must be a number >= 0`)
    total += d
  }
  const threat = l.threat ?? 0
  if (typeof threat !== 'number' || !(threat >= 0 && threat <= 1)) throw new InvalidPriorityInputError(`layers[${i}] (${l.digest}).threat: ${String(threat)} must be in [0, 1]`)
  if (!Array.isArray(l.cachedRegions)) throw new InvalidPriorityInputError(`layers[${i}] (${l.digest}).cachedRegions must be a list of region names`)
  return { demand: entries, total, threat }
}

export function scorePriorities (layers: readonly LayerOutlook[], w: PriorityWeights, distances: Distances): LayerPriority[] {
  if (layers.length > MAX_PRIORITY_LAYERS) throw new InvalidPriorityInputError(`${layers.length} layers is more than ${MAX_PRIORITY_LAYERS} in one round`)
  const table = new DistanceTable(distances)
  const checked = layers.map(checkLayer)
  const maxDemand = checked.reduce((m, c) => Math.max(m, c.total), 0)
  const scale = Math.log1p(maxDemand)
  const out = layers.map((layer, i): LayerPriority => {
    const { demand, total, threat } = checked[i]!
    const usage = scale > 0 ? Math.log1p(total) / scale : 0
    let far = 0
    for (const [region, d] of demand) far += d * table.nearest(region, layer.cachedRegions)
    const proximity = total > 0 ? Math.min(1, far / (total * table.maxMs)) : 0
    const priority = usage * w.usage + threat * w.threat + proximity * w.proximity
    return {
      digest: layer.digest,
      priority,
      usage,
      threat,
      proximity,
      demand: total,
      reason: `demand ${round(total)} (usage ${round(usage)}), threat ${round(threat)}, proximity ${round(proximity)}`
    }
  })
  return out.sort((a, b) => b.priority - a.priority || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0))
}

const round = (x: number): string => String(Math.round(x * 100) / 100)
