/**
 * Figures of a trace, to set beside the published ones: the popularity skew
 * of layer requests, layer sizes, the reuse time of layers, and the daily
 * cycle. They describe any trace of `TraceRequest`s, generated or read.
 */
import type { TraceRequest } from '../../types.js'
import { hour } from '../constants.js'

/** The share of the total held by the largest `fraction` of the counts (at least one of them). */
export function topShare (counts: readonly number[], fraction: number): number {
  if (counts.length === 0) return 0
  const sorted = [...counts].sort((a, b) => b - a)
  const k = Math.max(1, Math.round(sorted.length * fraction))
  let top = 0
  let all = 0
  sorted.forEach((c, i) => { all += c; if (i < k) top += c })
  return all === 0 ? 0 : top / all
}

/** Requests per blob of the layer (`kind: 'blob'`) requests. */
export function layerRequestCounts (requests: readonly TraceRequest[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const r of requests) if (r.kind === 'blob') counts.set(r.blob, (counts.get(r.blob) ?? 0) + 1)
  return counts
}

/**
 * The gaps between successive requests of the same layer by the same group
 * (the region, when `byRegion`), in time order: a layer's reuse times.
 */
export function layerReuseGaps (requests: readonly TraceRequest[], byRegion: boolean): Map<string, number[]> {
  const last = new Map<string, number>()
  const gaps = new Map<string, number[]>()
  for (const r of requests) {
    if (r.kind !== 'blob') continue
    const group = byRegion ? r.region ?? '' : ''
    const key = `${group}\u0000${r.blob}`
    const prev = last.get(key)
    if (prev !== undefined) {
      let list = gaps.get(group)
      if (list === undefined) gaps.set(group, list = [])
      list.push(r.tsMs - prev)
    }
    last.set(key, r.tsMs)
  }
  return gaps
}

export function median (values: readonly number[]): number | null {
  if (values.length === 0) return null
  const sorted = Float64Array.from(values).sort()
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/**
 * Requests per local hour of the day (index 0 = midnight) divided by the days
 * the trace spans, for the requests `pick` selects, in a region
 * `utcOffsetHours` from UTC.
 */
export function hourOfDayProfile (requests: readonly TraceRequest[], utcOffsetHours: number, pick: (r: TraceRequest) => boolean): number[] {
  const counts = new Array<number>(24).fill(0)
  for (const r of requests) {
    if (!pick(r)) continue
    const h = ((Math.floor(r.tsMs / hour + utcOffsetHours) % 24) + 24) % 24
    counts[h]!++
  }
  const days = requests.length < 2 ? 1 : Math.max(1, (requests[requests.length - 1]!.tsMs - requests[0]!.tsMs) / (24 * hour))
  return counts.map(c => c / days)
}
