/**
 * The simulator's report: from what a run recorded (each pull's times and
 * where its bytes came from, the origin's egress, cross-region bytes, DHT
 * provider records), the figures the issue asks for: p50/p95/p99 pull time
 * per region for the swarm and for direct pulls from the origin, the p50
 * speed-up, origin egress over unique bytes, cross-region bytes, provider
 * records per host, and the time to distribute against a lower bound from
 * the topology's bandwidths (`lower-bound.ts`). `writeReport` puts
 * report.json, report.md and three hand-drawn SVG charts in a directory
 * (`sim-out/<scenario>-<seed>/` by the simulator's convention);
 * `formatTable` is the terminal's summary. Nothing here reads a clock: the
 * same input gives the same files.
 *
 * Quantiles are by nearest rank; failed pulls (`ok: false`) are counted
 * and left out of every time and byte figure.
 */
import type { LowerBound } from './lower-bound.js'
import type { ReportSeries } from './series.js'

export * from './constants.js'
export { buildReport, quantiles, ReportInputError } from './build.js'
export { distributeLowerBound, type LowerBound } from './lower-bound.js'
export { cdfPoints, type ReportSeries } from './series.js'
export { quantile } from './stats.js'
export { renderCharts } from './charts.js'
export { formatMarkdown } from './markdown.js'
export { formatTable } from './table.js'
export { reportDir, writeReport } from './write.js'

export interface BytesBySource {
  /** Already in the host's own store. */
  local: number
  peer: number
  origin: number
}

export interface PullRecord {
  host: string
  region: string
  /** `name:tag` */
  image: string
  startMs: number
  endMs: number
  /** Blob bytes delivered to the client. */
  bytes: number
  bytesBySource: BytesBySource
  /** False for a pull that failed. @default true */
  ok?: boolean
}

export interface RunRecord {
  pulls: PullRecord[]
  /** Blob bytes the origin sent during the run. */
  originEgressBytes: number
  /** Bytes that went from a host in one region to a host in another (and from the origin to hosts outside its region, if the runner places it). */
  crossRegionBytes: number
  /** DHT provider records held by each host at the end, by host name. */
  providerRecordsPerHost?: Record<string, number>
  /** Cumulative origin egress `{ atMs, bytes }`, on the pulls' clock; without it the chart spreads each pull's origin bytes over the pull. */
  originEgressSamples?: Array<{ atMs: number, bytes: number }>
}

export interface TopologyBandwidths {
  /** What the origin can send, to everyone together. */
  originEgressBytesPerSecond: number
  /** What a host can receive. */
  hostDownlinkBytesPerSecond: number
  /** Per-host downlinks where they differ, by host name. */
  hostDownlinkBytesPerSecondByHost?: Record<string, number>
  /** One round trip between a host and the origin (the largest, where they differ). */
  rttMs: number
}

export interface ReportInput {
  /** `catalog`, `rollout`, `trace`, ... */
  scenario: string
  seed: number
  /** Bytes of the distinct blobs the workload pulls (the plan's `pulledUniqueBytes`). */
  uniqueBytes: number
  topology: TopologyBandwidths
  swarm: RunRecord
  /** The same workload pulled straight from the origin, to compare with. */
  direct?: RunRecord
}

export interface Quantiles {
  pulls: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
}

export interface RunFigures {
  /** Pulls that succeeded (the rest are `failedPulls`). */
  pulls: number
  failedPulls: number
  p50PullMs: number | null
  p95PullMs: number | null
  p99PullMs: number | null
  meanPullMs: number | null
  /** Blob bytes delivered. */
  bytes: number
  bytesBySource: BytesBySource
  originEgressBytes: number
  /** originEgressBytes / uniqueBytes: 1 is each byte once; the direct run's is about the number of pulls per layer. */
  originEgressRatio: number | null
  crossRegionBytes: number
  providerRecordsPerHost: { hosts: number, mean: number, max: number } | null
  /** Last pull's end less the first pull's start. */
  distributeMs: number
}

export interface RegionFigures {
  region: string
  /** Hosts that pulled, in either run. */
  hosts: number
  swarm: Quantiles | null
  direct: Quantiles | null
  /** direct p50 / swarm p50 */
  speedupP50: number | null
}

export interface Report {
  scenario: string
  seed: number
  uniqueBytes: number
  topology: TopologyBandwidths
  swarm: RunFigures
  direct: RunFigures | null
  /** direct.p50PullMs / swarm.p50PullMs */
  speedupP50: number | null
  regions: RegionFigures[]
  /** The swarm run's distributeMs. */
  distributeMs: number
  distributeLowerBoundMs: number
  /** distributeMs / distributeLowerBoundMs: 1 would be perfect. */
  distributeVsLowerBound: number | null
  lowerBound: LowerBound
  series: ReportSeries
}
