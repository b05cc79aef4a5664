/** Defaults and limits of the workload generators, built from units. */
import { KiB, MiB, minute } from '../../src/node/constants.js'

/** Smallest generated layer: a scaled-down 30-byte layer still takes a request and a shard. */
export const MIN_LAYER_BYTES = 4 * KiB
/** Unique layer bytes a catalog workload may hold, unless told otherwise: fits a laptop's disk and a few minutes' run. */
export const DEFAULT_MAX_UNIQUE_BYTES = 256 * MiB
/** Pulls each host starts per minute in a catalog workload. */
export const DEFAULT_PULLS_PER_HOST_PER_MINUTE = 1
/** Length of a catalog workload. */
export const DEFAULT_DURATION_MS = 5 * minute
/** The tag every generated image gets (the catalog records one image per repository). */
export const DEFAULT_TAG = 'latest'

/** Most pulls a plan may hold. */
export const MAX_PULLS = 1_000_000
/** Most hosts a plan may name. */
export const MAX_HOSTS = 100_000
/** Most data rows a trace may have. */
export const MAX_TRACE_ROWS = 1_000_000
/** Largest trace text accepted. */
export const MAX_TRACE_CHARS = 256 * MiB
/** Malformed trace rows described in a plan (all are counted). */
export const MAX_TRACE_ERRORS_KEPT = 20
/** The catalog's place in the shared data and its size limit: the trace generator's. */
export { CATALOG_FILE, MAX_CATALOG_BYTES } from '../../src/predict/trace/constants.js'
