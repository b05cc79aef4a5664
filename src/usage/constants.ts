/** Usage log defaults and limits, built from units. The docs in `index.ts` are tested against these. */
import { second, minute } from '../node/constants.js'

const hour = 60 * minute
const day = 24 * hour

/** Events older than this are deleted (on start and every `USAGE_PRUNE_INTERVAL_MS`). */
export const USAGE_RETENTION_MS = 7 * day
/** How often old events are pruned. */
export const USAGE_PRUNE_INTERVAL_MS = 1 * hour
/** Most events kept; beyond it the oldest go at the next prune (about 300 MB of LevelDB at ~300 bytes an event). */
export const USAGE_MAX_EVENTS = 1_000_000
/** Events waiting to be written; when full, the oldest waiting event is dropped and counted. */
export const USAGE_MAX_QUEUED_EVENTS = 10_000
/** Most events written in one batch; a full batch is written at once, without waiting for the interval. */
export const USAGE_BATCH_EVENTS = 256
/** Longest an event waits in the queue before it is written. */
export const USAGE_FLUSH_INTERVAL_MS = 1 * second
/** At most one warning about dropped events per this interval (each says how many so far). */
export const USAGE_DROP_WARN_INTERVAL_MS = 10 * second

/** Events `tail` returns unless told otherwise... */
export const USAGE_TAIL_DEFAULT_LIMIT = 100
/** ... and the most it returns at once. */
export const USAGE_TAIL_MAX_LIMIT = 10_000

/** Longest string field of an event (origin, repository, reference, digest, client, region). */
export const USAGE_MAX_STRING_CHARS = 1024
/** Keys hold the time as 12 hex digits: times from the epoch to this (year 10889) are accepted. */
export const USAGE_MAX_TIME_MS = 2 ** 48 - 1

/** Roll-up bucket widths: every event is counted in the minute and in the hour that hold its `timeMs`. */
export const USAGE_MINUTE_BUCKET_MS = 1 * minute
export const USAGE_HOUR_BUCKET_MS = 1 * hour
/**
 * Minute roll-ups are kept this long (hour roll-ups live as long as their
 * events): a day of minute-level detail for dashboards and the forecasts,
 * without 60 keys per layer per hour for the whole retention window.
 */
export const USAGE_MINUTE_ROLLUP_RETENTION_MS = 48 * hour
/** The region name roll-ups use for events recorded without one. */
export const USAGE_NO_REGION = '-'
/** Most layers `topLayers` returns... */
export const USAGE_TOP_MAX_N = 1000
/** ... and the most distinct layers it may add up; beyond it the query fails rather than grow. */
export const USAGE_TOP_MAX_LAYERS = 200_000
/** Roll-up counts a rebuild holds in memory before it writes them out. */
export const USAGE_REBUILD_CHUNK_KEYS = 10_000
/** A rebuild logs its progress every this many events (about 10-20 s of work on a small machine). */
export const USAGE_REBUILD_LOG_EVERY_EVENTS = 100_000

/** `usageMetrics` reads the log at most once per this interval; scrapes in between get the same figures. */
export const USAGE_METRICS_CACHE_MS = 5 * second
/** The window of the usage metrics (totals and the top layers). */
export const USAGE_METRICS_WINDOW_MS = 1 * hour
/** Layers `usageMetrics` names (each one series per metric) unless told otherwise... */
export const USAGE_METRICS_DEFAULT_TOP_N = 10
/** ... and the most it may be told: each is a digest label value, so this bounds the series. */
export const USAGE_METRICS_MAX_TOP_N = 100
