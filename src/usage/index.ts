/**
 * The usage log: one event for every manifest and blob the registry mirror
 * serves (who asked for what, how many bytes, and how many came from the
 * local store, from peers and from the origin). `shoal usage tail` shows the
 * newest; the prediction work reads time windows with `range`. Recording
 * must never slow a pull down, so `record` only appends to a bounded queue
 * (dropping the oldest waiting event, counted and warned about, when full)
 * and the queue is written in batches in the background. Events are kept
 * for a retention window and up to a count, and pruned on start and
 * periodically. A stored record that does not decode is skipped, counted
 * and deleted, never returned and never fatal.
 *
 * Beside the events, the log keeps roll-ups: per minute and per hour, per
 * kind, layer (digest) and region, the requests, bytes and bytes by source.
 * They are written in the same batch as the events they count and taken out
 * in the same batch as the events pruned, so they always add up to exactly
 * the stored events (minute buckets: within USAGE_MINUTE_ROLLUP_RETENTION_MS).
 * `rollup` reads a window of them and `topLayers` ranks layers by them, both
 * without reading events. A store without roll-ups (written before them) or
 * whose roll-ups disagree with its events has them rebuilt at start.
 * `usageMetrics` (metrics.ts) exposes totals and the top layers to Prometheus.
 *
 * `createLevelUsageLog` keeps events in their own LevelDB (`<data>/usage`),
 * keyed by time (see `record.ts`). `createMemoryUsageLog` is its in-memory
 * twin, for tests of other subsystems. Both pass `test/usage/conformance.ts`.
 */
import { LevelUsageLog } from './level-usage-log.js'
import { MemoryUsageLog } from './memory-usage-log.js'

export * from './constants.js'
export * from './errors.js'
export { usageMetrics, type UsageMetrics, type UsageMetricsComponents, type UsageMetricsInit } from './metrics.js'
export type { LevelUsageLog } from './level-usage-log.js'
export type { MemoryUsageLog } from './memory-usage-log.js'

export interface UsageEvent {
  /** When the request started, ms since the epoch. Events are ordered by it. */
  timeMs: number
  /** Registry host, e.g. "docker.io" or "127.0.0.1:5000". */
  origin: string
  /** e.g. "library/alpine". */
  repository: string
  /** The tag or digest the client asked for. */
  reference: string
  /** sha256:... of what was served. */
  digest: string
  kind: 'manifest' | 'blob'
  /** Bytes sent to the client. */
  bytes: number
  /** Where those bytes came from. */
  bytesBySource: { local: number, peer: number, origin: number }
  durationMs: number
  /** The client's address. */
  client: string
  /** The HTTP status answered. */
  status: number
  region?: string
}

export interface UsageLogStats {
  /** Well-formed events given to `record` since construction; each is then written, dropped or still queued. */
  recorded: number
  /** Of those, events lost: pushed out of a full queue, recorded while not running, or in a failed write. */
  dropped: number
  /** Events `record` refused as malformed (a missing field, a negative size...). */
  invalid: number
  /** Stored records found unreadable (skipped and deleted). */
  corrupt: number
  /** Events in storage, as of the last write or prune. */
  stored: number
  /** Events waiting to be written. */
  queued: number
}

export interface TailOptions {
  /** Most events returned, 1 to USAGE_TAIL_MAX_LIMIT. @default USAGE_TAIL_DEFAULT_LIMIT (100) */
  limit?: number
  /** Only events with `timeMs >= sinceMs`. */
  sinceMs?: number
  signal?: AbortSignal
}

export interface RangeOptions {
  /** Events with `fromMs <= timeMs < toMs`. */
  fromMs: number
  toMs: number
  signal?: AbortSignal
}

export interface RollupOptions {
  bucket: 'minute' | 'hour'
  /**
   * Buckets whose start is in `[fromMs, toMs)` (so a bucket is counted whole
   * or not at all). Minute buckets exist within USAGE_MINUTE_ROLLUP_RETENTION_MS
   * of now; hour buckets as long as the events they count.
   */
  fromMs: number
  toMs: number
  /** Only this layer (or manifest). */
  digest?: string
  /** Only this region; USAGE_NO_REGION ("-") for events recorded without one. */
  region?: string
  kind?: 'manifest' | 'blob'
  signal?: AbortSignal
}

/** The events of one bucket, one kind, one digest and one region, added up. */
export interface UsageRollup {
  bucketStartMs: number
  kind: 'manifest' | 'blob'
  digest: string
  /** USAGE_NO_REGION ("-") for events recorded without a region. */
  region: string
  requests: number
  bytes: number
  bytesBySource: { local: number, peer: number, origin: number }
}

export interface TopLayersOptions {
  /**
   * Events with `timeMs >= sinceMs`, counted from the start of the minute
   * holding `sinceMs` (from the start of its hour when that minute is older
   * than the minute roll-ups), up to the newest, the current partial hour included.
   */
  sinceMs: number
  /** How many layers, 1 to USAGE_TOP_MAX_N. */
  n: number
  by: 'requests' | 'bytes'
  /** Only requests from this region (USAGE_NO_REGION for none). @default every region */
  region?: string
  signal?: AbortSignal
}

/** A layer's traffic over a window, all regions (or the one asked for) together. */
export interface TopLayer {
  digest: string
  requests: number
  bytes: number
  bytesBySource: { local: number, peer: number, origin: number }
}

export interface UsageLog {
  /** Open storage and prune. Safe to call twice. */
  start (): Promise<void>
  /** Write what is queued, stop pruning, close. Safe to call twice. */
  stop (): Promise<void>
  /**
   * Queue an event. Never throws and never waits: a malformed event is
   * counted as `invalid`, one recorded while not running as `dropped`.
   */
  record (event: UsageEvent): void
  /** The newest events, oldest first (newest last), including every event recorded before the call. */
  tail (options?: TailOptions): Promise<UsageEvent[]>
  /** Every event of a time window, in time order, read lazily. */
  range (options: RangeOptions): AsyncIterable<UsageEvent>
  /** The roll-ups of a window of buckets, in time order (within a bucket: kind, digest, region), read lazily; every event recorded before the call is counted. */
  rollup (options: RollupOptions): AsyncIterable<UsageRollup>
  /**
   * The `n` layers with the most requests (or bytes) since `sinceMs`, most
   * first (ties: the other measure, then the digest). Layers are blobs:
   * manifests are not counted. Read from the roll-ups; fails with
   * UsageQueryLimitError rather than add up more than USAGE_TOP_MAX_LAYERS layers.
   */
  topLayers (options: TopLayersOptions): Promise<TopLayer[]>
  stats (): UsageLogStats
  /** Delete events older than the retention window, then the oldest beyond `maxEvents`. Returns how many went. */
  prune (options?: { signal?: AbortSignal }): Promise<number>
}

/** Narrow logger, pino's calling convention (context object, then message); a pino child logger fits. */
export interface UsageLogger {
  debug (obj: object, msg: string): void
  info (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  error (obj: object, msg: string): void
}

export interface UsageLogComponents {
  /** @default info, warnings and errors to `console`, debug dropped */
  logger?: UsageLogger
  /** The clock retention is measured against. @default Date.now */
  now?: () => number
}

export interface UsageLogInit {
  /** Events older than this are pruned. @default USAGE_RETENTION_MS (7 days) */
  retentionMs?: number
  /** How often to prune. @default USAGE_PRUNE_INTERVAL_MS (1 hour) */
  pruneIntervalMs?: number
  /** Most events kept; the oldest beyond it are pruned. @default USAGE_MAX_EVENTS (1000000) */
  maxEvents?: number
  /** Events waiting to be written; beyond it the oldest waiting one is dropped. @default USAGE_MAX_QUEUED_EVENTS (10000) */
  maxQueuedEvents?: number
  /** Most events per write, and the queue length that triggers a write at once. @default USAGE_BATCH_EVENTS (256) */
  batchEvents?: number
  /** Longest an event waits before it is written. @default USAGE_FLUSH_INTERVAL_MS (1 second) */
  flushIntervalMs?: number
}

export interface LevelUsageLogInit extends UsageLogInit {
  /** The LevelDB directory (e.g. `<data>/usage`); created if missing. Used by nothing else. */
  dir: string
}

export function createLevelUsageLog (init: LevelUsageLogInit, components: UsageLogComponents = {}): LevelUsageLog {
  return new LevelUsageLog(init, components)
}

export function createMemoryUsageLog (init: UsageLogInit = {}, components: UsageLogComponents = {}): MemoryUsageLog {
  return new MemoryUsageLog(init, components)
}
