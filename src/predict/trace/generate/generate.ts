/**
 * `generateTrace`: catalog -> images and versions -> pulls -> requests,
 * plus the planted structure as ground truth and the figures to set beside
 * the published ones. Everything is drawn from streams derived from the
 * seed, so a seed always gives the same requests. With `targetRows`, a few
 * whole passes find the pull rate that gives about that many rows (the rows
 * per pull fall as hosts pull more, since they hold more).
 */
import { loadCatalog, type Catalog } from '../catalog.js'
import { MiB } from '../../../node/constants.js'
import {
  GEN_CALIBRATION_PASSES, GEN_CALIBRATION_TOLERANCE, GEN_ROWS_PER_PULL_GUESS, hour, GEN_PEAK_LOCAL_HOUR, GEN_PERIOD_MS, GEN_ROLLOUT_WINDOW_MS,
  PUBLISHED_REUSE_MS, PUBLISHED_TOP_LAYER_SHARE
} from '../constants.js'
import type { GeneratedTrace, GeneratedTraceStats, GenerateTraceOptions, TraceTruth } from '../index.js'
import type { TraceRequest } from '../../types.js'
import { runHosts, type HostRun } from './hosts.js'
import { buildImages, type GenCatalog } from './images.js'
import { resolveOptions, type ResolvedOptions } from './options.js'
import { planPulls } from './pulls.js'
import { hourOfDayProfile, layerRequestCounts, layerReuseGaps, median, topShare } from './stats.js'

export async function generateTrace (options: GenerateTraceOptions): Promise<GeneratedTrace> {
  const o = resolveOptions(options)
  const signal = options.signal
  signal?.throwIfAborted()
  const catalog = options.catalog ?? await loadCatalog({ file: o.catalogPath, seed: o.seed, signal })
  const g = buildImages(catalog, o)
  // With a target, the first guess takes the default trace's rows per pull (about 2.7: a manifest, and layers now and then).
  let rate = o.targetRows === undefined ? o.pullsPerHour : o.targetRows / (GEN_ROWS_PER_PULL_GUESS * o.durationMs / hour)
  let run = runAt(g, o, rate)
  let passes = 1
  if (o.targetRows !== undefined) {
    const target = o.targetRows
    let prev: { rate: number, rows: number } | undefined
    while (passes < GEN_CALIBRATION_PASSES + 1 && Math.abs(run.requests.length - target) > target * GEN_CALIBRATION_TOLERANCE) {
      signal?.throwIfAborted()
      const rows = Math.max(1, run.requests.length)
      // Rows grow slower than the rate (hosts hold more); fit rows ~ rate^k on the last two passes when there are two.
      const k = prev !== undefined && prev.rate !== rate && prev.rows > 0 && rows !== prev.rows ? Math.log(rows / prev.rows) / Math.log(rate / prev.rate) : 1
      prev = { rate, rows }
      rate = rate * Math.pow(target / rows, 1 / Math.min(Math.max(k, 0.3), 1.5))
      run = runAt(g, o, rate)
      passes++
    }
  }
  signal?.throwIfAborted()
  return {
    requests: run.requests,
    truth: truthOf(g, o, run.rolloutHosts),
    stats: statsOf(run, o, catalog, rate, passes)
  }
}

function runAt (g: GenCatalog, o: ResolvedOptions, pullsPerHour: number): HostRun & { rolloutHosts: number[][] } {
  const plan = planPulls(g, o, pullsPerHour)
  return { ...runHosts(g, o, plan.pulls), rolloutHosts: plan.rolloutHosts }
}

function truthOf (g: GenCatalog, o: ResolvedOptions, rolloutHosts: number[][]): TraceTruth {
  const names = o.regions.map(r => r.name)
  return {
    startMs: o.startMs,
    durationMs: o.durationMs,
    periodMs: GEN_PERIOD_MS,
    peakLocalHour: GEN_PEAK_LOCAL_HOUR,
    dailyAmplitude: o.dailyAmplitude,
    regions: o.regions.map(r => ({ ...r })),
    images: g.images.map(i => ({ id: i.id, repo: g.repoNames[i.repo]!, version: i.version, manifest: i.manifest, manifestBytes: i.manifestBytes, layers: i.layers, layerBytes: i.layerBytes })),
    versions: g.versions.map((v, k) => ({
      repo: g.repoNames[v.repo]!,
      image: g.images[v.image]!.id,
      previous: g.images[v.previous]!.id,
      newLayers: v.newLayers,
      order: v.order.map(r => names[r]!),
      releasedAtMs: Object.fromEntries(v.releasedAtMs.map((t, r) => [names[r]!, o.startMs + t])),
      rolloutHosts: Object.fromEntries(rolloutHosts[k]!.map((n, r) => [names[r]!, n]))
    })),
    popularity: g.repoNames.map((repo, i) => ({ repo, share: g.popularity[i]! })),
    rolloutWindowMs: GEN_ROLLOUT_WINDOW_MS,
    hostStoreBytes: o.hostStoreBytes,
    hostLifetimeMs: o.hostLifetimeMs
  }
}

function statsOf (run: HostRun, o: ResolvedOptions, catalog: Catalog, pullsPerHour: number, passes: number): GeneratedTraceStats {
  const requests = run.requests
  const sizes = new Map<string, number>()
  const clients = new Set<string>()
  let manifestRows = 0
  let requestedBytes = 0
  for (const r of requests) {
    if (r.kind === 'manifest') manifestRows++
    sizes.set(r.blob, r.bytes)
    clients.add(r.client)
    requestedBytes += r.bytes
  }
  const counts = layerRequestCounts(requests)
  const layerSizes = [...counts.keys()].map(b => sizes.get(b)!)
  const share = (limit: number): number => layerSizes.length === 0 ? 0 : layerSizes.filter(s => s < limit).length / layerSizes.length
  const gaps = layerReuseGaps(requests, true)
  const byRegion: Record<string, number | null> = {}
  const peakToTrough: Record<string, number> = {}
  for (const region of o.regions) {
    byRegion[region.name] = median(gaps.get(region.name) ?? [])
    const profile = hourOfDayProfile(requests, region.utcOffsetHours, (r: TraceRequest) => r.kind === 'manifest' && r.region === region.name)
    const low = Math.min(...profile)
    peakToTrough[region.name] = low === 0 ? Infinity : Math.max(...profile) / low
  }
  const medianReuseMs = median([...gaps.values()].flat())
  let uniqueBytes = 0
  for (const s of sizes.values()) uniqueBytes += s
  return {
    rows: requests.length,
    manifestRows,
    blobRows: requests.length - manifestRows,
    pulls: run.pulls,
    rolloutPulls: run.rolloutPulls,
    ephemeralPulls: run.ephemeralPulls,
    hostReplacements: run.replacements,
    clients: clients.size,
    distinctBlobs: sizes.size,
    uniqueBytes,
    requestedBytes,
    topLayerShare: topShare([...counts.values()], PUBLISHED_TOP_LAYER_SHARE.layers),
    layersUnder1MiB: share(1 * MiB),
    layersUnder10MiB: share(10 * MiB),
    medianReuseMs,
    medianReuseMsByRegion: byRegion,
    reuseWithinPublished: medianReuseMs !== null && medianReuseMs >= PUBLISHED_REUSE_MS.min && medianReuseMs <= PUBLISHED_REUSE_MS.max,
    dailyPeakToTrough: peakToTrough,
    pullsPerHour,
    calibrationPasses: passes,
    catalog: { source: catalog.source, synthetic: catalog.synthetic, repos: catalog.repos.length, scale: o.scale }
  }
}
