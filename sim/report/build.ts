/** `buildReport`: the figures of a run (and of the direct run to compare with), from what the runner recorded. */
import type { PullRecord, Report, ReportInput, RegionFigures, RunFigures, RunRecord, Quantiles, TopologyBandwidths } from './index.js'
import { distributeLowerBound } from './lower-bound.js'
import { bytesBySourceSeries, cdfPoints, originEgressSeries } from './series.js'
import { ascending, firstStartMs, lastEndMs, mean, quantile, ratio } from './stats.js'

export class ReportInputError extends Error {
  override name = 'ReportInputError'
}

export function buildReport (input: ReportInput): Report {
  checkInput(input)
  const swarmOk = input.swarm.pulls.filter(ok)
  const directOk = input.direct?.pulls.filter(ok)
  const swarm = runFigures(input.swarm, input.uniqueBytes)
  const direct = input.direct === undefined ? null : runFigures(input.direct, input.uniqueBytes)
  const bound = distributeLowerBound(swarmOk, input.uniqueBytes, input.topology)
  const distributeMs = swarm.distributeMs
  return {
    scenario: input.scenario,
    seed: input.seed,
    uniqueBytes: input.uniqueBytes,
    topology: plainTopology(input.topology),
    swarm,
    direct,
    speedupP50: direct === null || swarm.p50PullMs === null || direct.p50PullMs === null ? null : ratio(direct.p50PullMs, swarm.p50PullMs),
    regions: regionFigures(swarmOk, directOk),
    distributeMs,
    distributeLowerBoundMs: bound.ms,
    distributeVsLowerBound: ratio(distributeMs, bound.ms),
    lowerBound: bound,
    series: {
      cdf: { swarm: cdfPoints(ascending(swarmOk.map(durationMs))), direct: directOk === undefined ? null : cdfPoints(ascending(directOk.map(durationMs))) },
      bytesBySource: bytesBySourceSeries(swarmOk),
      originEgress: { swarm: originEgressSeries(input.swarm), direct: input.direct === undefined ? null : originEgressSeries(input.direct) }
    }
  }
}

function ok (p: PullRecord): boolean {
  return p.ok !== false
}

function durationMs (p: PullRecord): number {
  return p.endMs - p.startMs
}

export function quantiles (pulls: readonly PullRecord[]): Quantiles | null {
  if (pulls.length === 0) return null
  const sorted = ascending(pulls.map(durationMs))
  return { pulls: pulls.length, p50Ms: quantile(sorted, 0.5), p95Ms: quantile(sorted, 0.95), p99Ms: quantile(sorted, 0.99) }
}

function runFigures (run: RunRecord, uniqueBytes: number): RunFigures {
  const good = run.pulls.filter(ok)
  const q = quantiles(good)
  const bytesBySource = { local: 0, peer: 0, origin: 0 }
  let bytes = 0
  for (const p of good) {
    bytes += p.bytes
    bytesBySource.local += p.bytesBySource.local
    bytesBySource.peer += p.bytesBySource.peer
    bytesBySource.origin += p.bytesBySource.origin
  }
  const records = run.providerRecordsPerHost === undefined ? [] : Object.values(run.providerRecordsPerHost)
  return {
    pulls: good.length,
    failedPulls: run.pulls.length - good.length,
    p50PullMs: q?.p50Ms ?? null,
    p95PullMs: q?.p95Ms ?? null,
    p99PullMs: q?.p99Ms ?? null,
    meanPullMs: good.length === 0 ? null : mean(good.map(durationMs)),
    bytes,
    bytesBySource,
    originEgressBytes: run.originEgressBytes,
    originEgressRatio: ratio(run.originEgressBytes, uniqueBytes),
    crossRegionBytes: run.crossRegionBytes,
    providerRecordsPerHost: records.length === 0 ? null : { hosts: records.length, mean: mean(records), max: records.reduce((a, b) => Math.max(a, b), -Infinity) },
    distributeMs: good.length === 0 ? 0 : lastEndMs(good) - firstStartMs(good)
  }
}

function regionFigures (swarm: readonly PullRecord[], direct: readonly PullRecord[] | undefined): RegionFigures[] {
  const names = [...new Set([...swarm, ...(direct ?? [])].map(p => p.region))].sort()
  return names.map(region => {
    const s = swarm.filter(p => p.region === region)
    const d = direct?.filter(p => p.region === region)
    const sq = quantiles(s)
    const dq = d === undefined ? null : quantiles(d)
    return {
      region,
      hosts: new Set([...s, ...(d ?? [])].map(p => p.host)).size,
      swarm: sq,
      direct: dq,
      speedupP50: sq === null || dq === null ? null : ratio(dq.p50Ms, sq.p50Ms)
    }
  })
}

function plainTopology (t: TopologyBandwidths): TopologyBandwidths {
  return {
    originEgressBytesPerSecond: t.originEgressBytesPerSecond,
    hostDownlinkBytesPerSecond: t.hostDownlinkBytesPerSecond,
    ...(t.hostDownlinkBytesPerSecondByHost !== undefined ? { hostDownlinkBytesPerSecondByHost: { ...t.hostDownlinkBytesPerSecondByHost } } : {}),
    rttMs: t.rttMs
  }
}

function checkInput (input: ReportInput): void {
  const positive = (name: string, v: number): void => { if (!(Number.isFinite(v) && v > 0)) throw new ReportInputError(`topology.${name}: ${v} must be > 0`) }
  positive('originEgressBytesPerSecond', input.topology.originEgressBytesPerSecond)
  positive('hostDownlinkBytesPerSecond', input.topology.hostDownlinkBytesPerSecond)
  for (const [h, v] of Object.entries(input.topology.hostDownlinkBytesPerSecondByHost ?? {})) positive(`hostDownlinkBytesPerSecondByHost.${h}`, v)
  if (!(Number.isFinite(input.topology.rttMs) && input.topology.rttMs >= 0)) throw new ReportInputError(`topology.rttMs: ${input.topology.rttMs} must be >= 0`)
  if (!(Number.isFinite(input.uniqueBytes) && input.uniqueBytes >= 0)) throw new ReportInputError(`uniqueBytes: ${input.uniqueBytes} must be >= 0`)
  for (const [name, run] of [['swarm', input.swarm], ['direct', input.direct]] as const) {
    if (run === undefined) continue
    run.pulls.forEach((p, i) => {
      if (!(Number.isFinite(p.startMs) && Number.isFinite(p.endMs) && p.endMs >= p.startMs)) throw new ReportInputError(`${name}.pulls[${i}] (${p.host}, ${p.image}): endMs ${p.endMs} is before startMs ${p.startMs}`)
    })
  }
}
