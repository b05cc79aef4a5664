/** `formatTable`: the report as the terminal shows it at the end of a run. */
import type { Report } from './index.js'
import { alignRows, fmtMiB, fmtMs, fmtNumber, fmtRatio } from './format.js'

export function formatTable (report: Report): string {
  const hasDirect = report.direct !== null
  const head = ['region', 'hosts', 'pulls', 'swarm p50', 'p95', 'p99', ...(hasDirect ? ['direct p50', 'p95', 'p99', 'speed-up'] : [])]
  const rows = report.regions.map(r => [
    r.region, String(r.hosts), String(r.swarm?.pulls ?? 0),
    fmtMs(r.swarm?.p50Ms ?? null), fmtMs(r.swarm?.p95Ms ?? null), fmtMs(r.swarm?.p99Ms ?? null),
    ...(hasDirect ? [fmtMs(r.direct?.p50Ms ?? null), fmtMs(r.direct?.p95Ms ?? null), fmtMs(r.direct?.p99Ms ?? null), fmtRatio(r.speedupP50)] : [])
  ])
  const s = report.swarm
  const d = report.direct
  rows.push([
    'all', String(report.regions.reduce((n, r) => n + r.hosts, 0)), String(s.pulls),
    fmtMs(s.p50PullMs), fmtMs(s.p95PullMs), fmtMs(s.p99PullMs),
    ...(d !== null ? [fmtMs(d.p50PullMs), fmtMs(d.p95PullMs), fmtMs(d.p99PullMs), fmtRatio(report.speedupP50)] : [])
  ])
  const lines = [`${report.scenario}, seed ${report.seed}: pull times in ms`, '', ...alignRows([head, ...rows]), '']
  const both = (f: (r: NonNullable<Report['direct']>) => string): string => `swarm ${f(s)}${d !== null ? `, direct ${f(d)}` : ''}`
  lines.push(`origin egress / unique bytes: ${both(r => fmtRatio(r.originEgressRatio))} (unique ${fmtMiB(report.uniqueBytes)} MiB)`)
  lines.push(`cross-region MiB:             ${both(r => fmtMiB(r.crossRegionBytes))}`)
  lines.push(`swarm bytes by source, MiB:   local ${fmtMiB(s.bytesBySource.local)}, peer ${fmtMiB(s.bytesBySource.peer)}, origin ${fmtMiB(s.bytesBySource.origin)}`)
  const pr = s.providerRecordsPerHost
  lines.push(`DHT provider records / host:  ${pr === null ? '-' : `mean ${fmtNumber(pr.mean)}, max ${pr.max} (${pr.hosts} hosts)`}`)
  lines.push(`time to distribute:           ${fmtMs(report.distributeMs)} ms; lower bound ${fmtMs(report.distributeLowerBoundMs)} ms (${report.lowerBound.binding}); ${fmtRatio(report.distributeVsLowerBound)} the bound`)
  const failed = s.failedPulls + (d?.failedPulls ?? 0)
  if (failed > 0) lines.push(`FAILED pulls: swarm ${s.failedPulls}${d !== null ? `, direct ${d.failedPulls}` : ''}`)
  return lines.join('\n') + '\n'
}
