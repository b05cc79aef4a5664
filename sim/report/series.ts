/**
 * The data behind the charts, kept in report.json so a chart can be
 * redrawn elsewhere: the pull-time CDFs, bytes by source per time bucket,
 * and cumulative origin egress. Times are ms since the run's first pull
 * started. A pull's bytes are spread evenly over its duration (the runner
 * records totals per pull, not when each byte came).
 */
import { CDF_POINTS, EGRESS_POINTS, TIME_BUCKETS } from './constants.js'
import type { PullRecord, RunRecord } from './index.js'
import { firstStartMs, lastEndMs } from './stats.js'

export interface ReportSeries {
  /** [pull time ms, fraction of pulls at or below it], ascending. */
  cdf: { swarm: Array<[number, number]>, direct: Array<[number, number]> | null }
  /** Swarm run: bytes that arrived in each bucket, by source. */
  bytesBySource: { bucketMs: number, local: number[], peer: number[], origin: number[] }
  /** [ms, origin bytes sent so far], from 0 to the run's end. */
  originEgress: { swarm: Array<[number, number]>, direct: Array<[number, number]> | null }
}

/** CDF points of ascending pull times: every one, or CDF_POINTS evenly spaced ranks (always the last). */
export function cdfPoints (sortedMs: readonly number[]): Array<[number, number]> {
  const n = sortedMs.length
  if (n === 0) return []
  const ranks = n <= CDF_POINTS ? Array.from({ length: n }, (_v, i) => i + 1) : Array.from({ length: CDF_POINTS }, (_v, i) => Math.round((i + 1) * n / CDF_POINTS))
  return ranks.map(r => [sortedMs[r - 1]!, r / n])
}

/** How much of [start, end) falls in each bucket of `bucketMs`, times `bytes`, added to `into`. */
function spread (into: number[], bucketMs: number, startMs: number, endMs: number, bytes: number): void {
  if (bytes === 0) return
  const last = into.length - 1
  if (endMs <= startMs) { into[Math.min(last, Math.max(0, Math.floor(startMs / bucketMs)))]! += bytes; return }
  const first = Math.max(0, Math.floor(startMs / bucketMs))
  const final = Math.min(last, Math.floor(endMs / bucketMs))
  for (let b = first; b <= final; b++) {
    const overlap = Math.min(endMs, (b + 1) * bucketMs) - Math.max(startMs, b * bucketMs)
    if (overlap > 0) into[b]! += bytes * overlap / (endMs - startMs)
  }
}

export function bytesBySourceSeries (pulls: readonly PullRecord[]): ReportSeries['bytesBySource'] {
  const t0 = firstStartMs(pulls)
  const spanMs = lastEndMs(pulls) - t0
  const bucketMs = spanMs > 0 ? spanMs / TIME_BUCKETS : 1
  const out = { bucketMs, local: new Array<number>(TIME_BUCKETS).fill(0), peer: new Array<number>(TIME_BUCKETS).fill(0), origin: new Array<number>(TIME_BUCKETS).fill(0) }
  for (const p of pulls) {
    for (const source of ['local', 'peer', 'origin'] as const) spread(out[source], bucketMs, p.startMs - t0, p.endMs - t0, p.bytesBySource[source])
  }
  return out
}

/**
 * Cumulative origin egress: the run's samples when it has them, else each
 * pull's origin bytes spread over it, failed pulls included (what the
 * origin sent for them was sent).
 */
export function originEgressSeries (run: RunRecord): Array<[number, number]> {
  const t0 = firstStartMs(run.pulls)
  if (run.originEgressSamples !== undefined && run.originEgressSamples.length > 0) {
    const sorted = [...run.originEgressSamples].sort((a, b) => a.atMs - b.atMs)
    const kept = sorted.length <= EGRESS_POINTS ? sorted : Array.from({ length: EGRESS_POINTS }, (_v, i) => sorted[Math.round((i + 1) * sorted.length / EGRESS_POINTS) - 1]!)
    return kept.map(s => [Math.max(0, s.atMs - t0), s.bytes])
  }
  const spanMs = lastEndMs(run.pulls) - t0
  const bucketMs = spanMs > 0 ? spanMs / TIME_BUCKETS : 1
  const buckets = new Array<number>(TIME_BUCKETS).fill(0)
  for (const p of run.pulls) spread(buckets, bucketMs, p.startMs - t0, p.endMs - t0, p.bytesBySource.origin)
  const points: Array<[number, number]> = [[0, 0]]
  let sum = 0
  buckets.forEach((b, i) => { sum += b; points.push([(i + 1) * bucketMs, sum]) })
  return points
}
