/**
 * The usage log as Prometheus metrics, on a registry the caller owns.
 *
 * No metric has a label per layer for every layer. Each distinct label value
 * is a series of its own, kept in memory and in the index of every
 * Prometheus that scrapes it for as long as it keeps data; a mirror serves
 * tens of thousands of layers, and a series per layer would grow the scrape
 * and the server without bound. So the totals are by kind and source only,
 * and only the top N layers of the last hour carry their digest, beside a
 * `rank` label (1 = most requests) to sort and join on. A layer that drops
 * out of the top N drops out of the output, so at most N digests appear at
 * a scrape, whatever the log holds.
 *
 * Everything is read when scraped (prom-client's `collect`) from the
 * roll-ups, not from the events, and the figures are cached for
 * USAGE_METRICS_CACHE_MS: the metrics of one scrape, and scrapes close
 * together, share one read of the log.
 */
import { Counter, Gauge, type CounterConfiguration, type GaugeConfiguration, type Registry } from 'prom-client'
import {
  USAGE_MAX_TIME_MS, USAGE_METRICS_CACHE_MS, USAGE_METRICS_DEFAULT_TOP_N, USAGE_METRICS_MAX_TOP_N, USAGE_METRICS_WINDOW_MS
} from './constants.js'
import { InvalidUsageOptionError } from './errors.js'
import { bucketStartMs } from './rollup-record.js'
import type { TopLayer, UsageLog, UsageLogger, UsageLogStats } from './index.js'

export interface UsageMetricsInit {
  /** Layers named by the top-layer metrics, 1 to USAGE_METRICS_MAX_TOP_N. @default USAGE_METRICS_DEFAULT_TOP_N (10) */
  topN?: number
  /** Where the metrics are registered: the daemon's own registry, not prom-client's global one. */
  registry: Registry
}

export interface UsageMetricsComponents {
  /** Where a failed read is reported. @default warnings to `console` */
  logger?: Pick<UsageLogger, 'warn'>
  /** The clock of the window and of the cache. @default Date.now */
  now?: () => number
}

const KINDS = ['manifest', 'blob'] as const
const SOURCES = ['local', 'peer', 'origin'] as const
type Kind = typeof KINDS[number]
type Source = typeof SOURCES[number]

/** What one read of the log gives the metrics. */
export interface UsageSnapshot {
  /** Requests and bytes by source in the last hour (USAGE_METRICS_WINDOW_MS, from the start of its first minute). */
  window: Record<Kind, { requests: number, bytesBySource: Record<Source, number> }>
  /** The top N layers of that window by requests; empty when the log could not be read. */
  top: TopLayer[]
  stats: UsageLogStats
}

export interface UsageMetrics {
  /** The figures the metrics show, read now (the cache is refreshed). */
  snapshot (): Promise<UsageSnapshot>
  /** Take the metrics out of the registry. Safe to call twice. */
  unregister (): void
}

const KNOWN = ['topN', 'registry']

export function usageMetrics (log: UsageLog, init: UsageMetricsInit, components: UsageMetricsComponents = {}): UsageMetrics {
  if (typeof init !== 'object' || init == null) throw new InvalidUsageOptionError('usage metrics options must be an object')
  for (const key of Object.keys(init)) {
    if (!KNOWN.includes(key)) throw new InvalidUsageOptionError(`unknown usage metrics option "${key}"; known options: ${KNOWN.join(', ')}`)
  }
  const topN = init.topN ?? USAGE_METRICS_DEFAULT_TOP_N
  if (!Number.isSafeInteger(topN) || topN < 1 || topN > USAGE_METRICS_MAX_TOP_N) {
    throw new InvalidUsageOptionError(`usage metrics option topN must be an integer from 1 to ${USAGE_METRICS_MAX_TOP_N}, got ${String(topN)}`)
  }
  const registry = init.registry
  if (typeof registry?.registerMetric !== 'function') throw new InvalidUsageOptionError('usage metrics option registry is required: a prom-client Registry')
  const now = components.now ?? Date.now
  const logger = components.logger ?? { warn: (obj: object, msg: string) => { console.warn(`shoal:usage: ${msg}`, obj) } }

  let cached: { atMs: number, snapshot: Promise<UsageSnapshot> } | undefined
  const read = async (): Promise<UsageSnapshot> => {
    const atMs = now()
    const snapshot = readSnapshot(log, topN, atMs).catch(err => {
      logger.warn({ err }, 'could not read the usage log for its metrics; showing no usage figures this time')
      return { window: emptyWindow(), top: [], stats: log.stats() }
    })
    cached = { atMs, snapshot }
    return await snapshot
  }
  const current = async (): Promise<UsageSnapshot> => {
    const c = cached
    if (c != null && now() - c.atMs < USAGE_METRICS_CACHE_MS) return await c.snapshot
    return await read()
  }

  const registers = [registry]
  const names: string[] = []
  function gauge<T extends string> (config: GaugeConfiguration<T>): Gauge<T> {
    names.push(config.name)
    return new Gauge(config)
  }
  function counter<T extends string> (config: CounterConfiguration<T>): Counter<T> {
    names.push(config.name)
    return new Counter(config)
  }
  // From the snapshot too, so every figure of a scrape is of the same moment (after the read has flushed the queue).
  function statGauge (name: string, help: string, pick: (s: UsageLogStats) => number): void {
    gauge({ name, help, registers, async collect () { this.set(pick((await current()).stats)) } })
  }
  // Counts the log keeps itself, exposed as their current totals.
  function statCounter (name: string, help: string, pick: (s: UsageLogStats) => number): void {
    counter({ name, help, registers, async collect () { const s = await current(); this.reset(); this.inc(pick(s.stats)) } })
  }

  gauge({
    name: 'shoal_usage_window_requests',
    help: 'Manifests and blobs served in the last hour, by kind (from the usage roll-ups).',
    labelNames: ['kind'],
    registers,
    async collect () {
      const s = await current()
      for (const kind of KINDS) this.set({ kind }, s.window[kind].requests)
    }
  })
  gauge({
    name: 'shoal_usage_window_bytes',
    help: 'Bytes served in the last hour, by kind and by where they came from (local, peer, origin).',
    labelNames: ['kind', 'source'],
    registers,
    async collect () {
      const s = await current()
      for (const kind of KINDS) for (const source of SOURCES) this.set({ kind, source }, s.window[kind].bytesBySource[source])
    }
  })
  gauge({
    name: 'shoal_usage_top_layer_requests',
    help: `Requests in the last hour of the ${topN} layers requested most; rank 1 is the most. Only these layers are labelled by digest.`,
    labelNames: ['rank', 'digest'],
    registers,
    async collect () {
      const s = await current()
      this.reset()
      s.top.forEach((layer, i) => { this.set({ rank: String(i + 1), digest: layer.digest }, layer.requests) })
    }
  })
  gauge({
    name: 'shoal_usage_top_layer_bytes',
    help: `Bytes served in the last hour of the ${topN} layers requested most (same ranks as shoal_usage_top_layer_requests).`,
    labelNames: ['rank', 'digest'],
    registers,
    async collect () {
      const s = await current()
      this.reset()
      s.top.forEach((layer, i) => { this.set({ rank: String(i + 1), digest: layer.digest }, layer.bytes) })
    }
  })
  statGauge('shoal_usage_events_stored', 'Usage events stored.', s => s.stored)
  statGauge('shoal_usage_events_queued', 'Usage events waiting to be written.', s => s.queued)
  statCounter('shoal_usage_events_recorded_total', 'Usage events recorded.', s => s.recorded)
  statCounter('shoal_usage_events_dropped_total', 'Usage events lost: a full queue, recorded while stopped, or a failed write.', s => s.dropped)
  statCounter('shoal_usage_events_invalid_total', 'Usage events refused as malformed.', s => s.invalid)
  statCounter('shoal_usage_records_corrupt_total', 'Stored usage records or roll-ups found unreadable.', s => s.corrupt)

  let registered = true
  return {
    snapshot: read,
    unregister: () => {
      if (!registered) return
      registered = false
      for (const name of names) registry.removeSingleMetric(name)
    }
  }
}

async function readSnapshot (log: UsageLog, topN: number, nowMs: number): Promise<UsageSnapshot> {
  const sinceMs = Math.max(0, nowMs - USAGE_METRICS_WINDOW_MS)
  const window = emptyWindow()
  // The same start as topLayers' (the minute holding sinceMs), so the totals and the top layers cover one window.
  for await (const r of log.rollup({ bucket: 'minute', fromMs: bucketStartMs('minute', sinceMs), toMs: USAGE_MAX_TIME_MS })) {
    const w = window[r.kind]
    w.requests += r.requests
    for (const source of SOURCES) w.bytesBySource[source] += r.bytesBySource[source]
  }
  const top = await log.topLayers({ sinceMs, n: topN, by: 'requests' })
  return { window, top, stats: log.stats() }
}

function emptyWindow (): UsageSnapshot['window'] {
  const one = (): UsageSnapshot['window'][Kind] => ({ requests: 0, bytesBySource: { local: 0, peer: 0, origin: 0 } })
  return { manifest: one(), blob: one() }
}
