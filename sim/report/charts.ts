/**
 * The report's three charts: pull-time CDF (swarm against direct), bytes by
 * source over time (stacked), and cumulative origin egress (swarm against
 * direct, with the unique bytes as the floor a perfect swarm reaches).
 */
import { CHART_FILES, TIME_BUCKETS } from './constants.js'
import type { Report } from './index.js'
import { renderChart } from './svg.js'

export const COLORS = {
  swarm: '#1f77b4',
  direct: '#d62728',
  local: '#9e9e9e',
  peer: '#2ca02c',
  origin: '#ff7f0e',
  unique: '#555555'
} as const

const MiB = 1024 * 1024

/** File name -> SVG text. */
export function renderCharts (report: Report): Record<string, string> {
  return {
    [CHART_FILES.pullTimeCdf]: pullTimeCdf(report),
    [CHART_FILES.bytesBySource]: bytesBySource(report),
    [CHART_FILES.originEgress]: originEgress(report)
  }
}

/** A short label for a tick: 1500 -> "1.5k", 2000000 -> "2M". */
export function shortNumber (v: number): string {
  const abs = Math.abs(v)
  const fmt = (x: number, unit: string): string => `${Number(x.toPrecision(3))}${unit}`
  if (abs >= 1e6) return fmt(v / 1e6, 'M')
  if (abs >= 1e3) return fmt(v / 1e3, 'k')
  return `${Number(v.toPrecision(3))}`
}

function pullTimeCdf (report: Report): string {
  const swarm = report.series.cdf.swarm
  const direct = report.series.cdf.direct ?? []
  const all = [...swarm, ...direct].map(p => p[0])
  let lo = all.length === 0 ? 0 : Math.min(...all)
  let hi = all.length === 0 ? 1 : Math.max(...all)
  const log = lo > 0 && hi / lo >= 10
  if (log) { lo = Math.pow(10, Math.floor(Math.log10(lo))); hi = Math.pow(10, Math.ceil(Math.log10(hi))) } else { lo = 0; hi = hi > 0 ? hi * 1.05 : 1 }
  return renderChart({
    title: `Pull time: swarm against direct (${report.scenario}, seed ${report.seed})`,
    xLabel: log ? 'pull time (ms, log scale)' : 'pull time (ms)',
    yLabel: 'fraction of pulls done',
    xDomain: [lo, hi],
    yDomain: [0, 1],
    xLog: log,
    xTick: shortNumber,
    yTick: v => `${Math.round(v * 100)}%`,
    lines: [
      { name: 'swarm', color: COLORS.swarm, points: swarm, step: true },
      ...(report.series.cdf.direct !== null ? [{ name: 'direct', color: COLORS.direct, points: direct, step: true }] : [])
    ]
  })
}

function bytesBySource (report: Report): string {
  const s = report.series.bytesBySource
  const toRate = (values: readonly number[]): number[] => values.map(b => b / MiB / (s.bucketMs / 1000))
  const layers = [
    { name: 'local', color: COLORS.local, values: toRate(s.local) },
    { name: 'peer', color: COLORS.peer, values: toRate(s.peer) },
    { name: 'origin', color: COLORS.origin, values: toRate(s.origin) }
  ]
  const edges = Array.from({ length: TIME_BUCKETS + 1 }, (_v, i) => i * s.bucketMs / 1000)
  const peak = Math.max(0, ...edges.slice(1).map((_e, i) => layers.reduce((sum, l) => sum + (l.values[i] ?? 0), 0)))
  return renderChart({
    title: `Swarm: where the bytes came from (${report.scenario}, seed ${report.seed})`,
    xLabel: 'time since the first pull (s)',
    yLabel: 'MiB/s received, by source',
    xDomain: [0, edges[edges.length - 1]! > 0 ? edges[edges.length - 1]! : 1],
    yDomain: [0, peak > 0 ? peak * 1.1 : 1],
    xTick: shortNumber,
    yTick: shortNumber,
    areas: { edges, layers }
  })
}

function originEgress (report: Report): string {
  const swarm = report.series.originEgress.swarm.map(([ms, b]) => [ms / 1000, b / MiB] as const)
  const direct = (report.series.originEgress.direct ?? []).map(([ms, b]) => [ms / 1000, b / MiB] as const)
  const xMax = Math.max(0, ...swarm.map(p => p[0]), ...direct.map(p => p[0]))
  const unique = report.uniqueBytes / MiB
  const yMax = Math.max(unique, ...swarm.map(p => p[1]), ...direct.map(p => p[1]))
  const end = xMax > 0 ? xMax : 1
  return renderChart({
    title: `Origin egress, cumulative (${report.scenario}, seed ${report.seed})`,
    xLabel: 'time since the first pull (s)',
    yLabel: 'MiB sent by the origin',
    xDomain: [0, end],
    yDomain: [0, yMax > 0 ? yMax * 1.1 : 1],
    xTick: shortNumber,
    yTick: shortNumber,
    lines: [
      { name: 'unique bytes', color: COLORS.unique, points: [[0, unique], [end, unique]], dashed: true },
      { name: 'swarm', color: COLORS.swarm, points: swarm },
      ...(report.series.originEgress.direct !== null ? [{ name: 'direct', color: COLORS.direct, points: direct }] : [])
    ]
  })
}
