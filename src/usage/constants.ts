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
