/** `formatMarkdown`: report.md, the figures as tables and the charts inline. */
import { CHART_FILES } from './constants.js'
import { fmtMiB, fmtMs, fmtNumber, fmtRatio } from './format.js'
import type { Report, RunFigures } from './index.js'

const MiB = 1024 * 1024

function table (head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map((_h, i) => i === 0 ? '---' : '---:').join('|')}|`, ...rows.map(r => `| ${r.join(' | ')} |`)]
}

export function formatMarkdown (report: Report): string {
  const s = report.swarm
  const d = report.direct
  const runs: Array<[string, RunFigures]> = [['swarm', s], ...(d !== null ? [['direct', d] as [string, RunFigures]] : [])]
  const lb = report.lowerBound
  const topo = report.topology
  const out: string[] = [`# Simulation report: ${report.scenario}, seed ${report.seed}`, '']
  out.push(`Unique bytes pulled: ${fmtMiB(report.uniqueBytes)} MiB. Pull times in ms; quantiles by nearest rank; failed pulls are left out of every figure.`, '')
  out.push('## Summary', '')
  out.push(...table(['figure', ...runs.map(r => r[0])], [
    ['pulls (failed)', ...runs.map(([, r]) => `${r.pulls} (${r.failedPulls})`)],
    ['p50 pull ms', ...runs.map(([, r]) => fmtMs(r.p50PullMs))],
    ['p95 pull ms', ...runs.map(([, r]) => fmtMs(r.p95PullMs))],
    ['p99 pull ms', ...runs.map(([, r]) => fmtMs(r.p99PullMs))],
    ['mean pull ms', ...runs.map(([, r]) => fmtMs(r.meanPullMs))],
    ['origin egress MiB', ...runs.map(([, r]) => fmtMiB(r.originEgressBytes))],
    ['origin egress / unique bytes', ...runs.map(([, r]) => fmtRatio(r.originEgressRatio))],
    ['cross-region MiB', ...runs.map(([, r]) => fmtMiB(r.crossRegionBytes))],
    ['bytes from local / peer / origin, MiB', ...runs.map(([, r]) => `${fmtMiB(r.bytesBySource.local)} / ${fmtMiB(r.bytesBySource.peer)} / ${fmtMiB(r.bytesBySource.origin)}`)],
    ['DHT provider records per host, mean (max)', ...runs.map(([, r]) => r.providerRecordsPerHost === null ? '-' : `${fmtNumber(r.providerRecordsPerHost.mean)} (${r.providerRecordsPerHost.max})`)],
    ['time to distribute ms', ...runs.map(([, r]) => fmtMs(r.distributeMs))]
  ]), '')
  if (report.speedupP50 !== null) out.push(`p50 speed-up of the swarm over direct pulls: **${fmtRatio(report.speedupP50)}**.`, '')

  out.push('## Pull time per region', '')
  out.push(...table(['region', 'hosts', 'swarm p50', 'swarm p95', 'swarm p99', ...(d !== null ? ['direct p50', 'direct p95', 'direct p99', 'speed-up'] : [])],
    report.regions.map(r => [r.region, String(r.hosts), fmtMs(r.swarm?.p50Ms ?? null), fmtMs(r.swarm?.p95Ms ?? null), fmtMs(r.swarm?.p99Ms ?? null),
      ...(d !== null ? [fmtMs(r.direct?.p50Ms ?? null), fmtMs(r.direct?.p95Ms ?? null), fmtMs(r.direct?.p99Ms ?? null), fmtRatio(r.speedupP50)] : [])])), '')

  out.push('## Time to distribute against a lower bound', '')
  out.push(`The swarm took **${fmtMs(report.distributeMs)} ms** from the first pull's start to the last pull's end; no schedule could take less than **${fmtMs(report.distributeLowerBoundMs)} ms** (${fmtRatio(report.distributeVsLowerBound)} the bound). The bound is the largest of these, plus one round trip (${fmtNumber(lb.rttMs)} ms):`, '')
  out.push(...table(['term', 'ms', 'why'], [
    ['origin', fmtMs(lb.originMs), `every unique byte leaves the origin at least once, at ${fmtNumber(topo.originEgressBytesPerSecond / MiB)} MiB/s`],
    ['host', fmtMs(lb.hostMs), `${lb.host ?? '-'} must receive what it did not hold, from its first pull, at ${fmtNumber(topo.hostDownlinkBytesPerSecond / MiB)} MiB/s${topo.hostDownlinkBytesPerSecondByHost !== undefined ? ' (or its own downlink)' : ''}`],
    ['pull', fmtMs(lb.pullMs), 'the same for a single pull, from its own start']
  ]), '')
  out.push(`The ${lb.binding} term decides it.`, '')

  out.push('## Charts', '')
  out.push(`![pull-time CDF](${CHART_FILES.pullTimeCdf})`, '', `![bytes by source over time](${CHART_FILES.bytesBySource})`, '', `![origin egress over time](${CHART_FILES.originEgress})`, '')
  return out.join('\n')
}
