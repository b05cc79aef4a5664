/** Trace reading, writing and generation: defaults and limits, built from units. `index.ts` documents them and the tests check it. */
import { KiB, MiB, minute } from '../../node/constants.js'

export const hour = 60 * minute
export const day = 24 * hour

/** Columns a trace's header must name. */
export const TRACE_REQUIRED_COLUMNS = ['ts_ms', 'client', 'blob', 'bytes'] as const
/** Columns read when present; any other column is ignored. */
export const TRACE_OPTIONAL_COLUMNS = ['repo', 'region', 'method', 'kind'] as const
/** Columns a written trace has, in order. */
export const TRACE_CSV_COLUMNS = ['ts_ms', 'client', 'blob', 'bytes', 'repo', 'region', 'kind'] as const

/** Data rows a trace may have unless told otherwise (a TraceRequest costs about 150 bytes in memory). */
export const TRACE_DEFAULT_MAX_ROWS = 2_000_000
/** The most `maxRows` may be raised to. */
export const TRACE_MAX_ROWS_LIMIT = 20_000_000
/** Longest record (one line, or several when a quoted field holds newlines); a longer one is a malformed row. */
export const TRACE_DEFAULT_MAX_LINE_CHARS = 16 * KiB
/** Longest field; a row with a longer one is malformed. The usage log keeps strings to the same length. */
export const TRACE_DEFAULT_MAX_FIELD_CHARS = 1 * KiB
/** Malformed rows described in a result (all are counted). */
export const TRACE_MAX_ERRORS_KEPT = 20
/** How much of a trace file is read at a time. */
export const TRACE_READ_CHUNK_CHARS = 64 * KiB
/** How much text is written to a trace file at a time. */
export const TRACE_WRITE_BATCH_CHARS = 256 * KiB
/** Longest text `formatTraceCsv` builds; beyond it, stream with `writeTraceFile`. */
export const TRACE_MAX_FORMAT_CHARS = 256 * MiB

/** Where the catalog lives inside the shared data directory. */
export const CATALOG_FILE = 'catalog/dockerhub-top150.json'
/** Largest catalog file read. */
export const MAX_CATALOG_BYTES = 64 * MiB

/** A generated trace covers a week: seven daily cycles, enough for Holt-Winters to see two seasons and more. */
export const GEN_DEFAULT_DURATION_MS = 7 * day
/** Time 0 of a generated trace: Monday 2024-01-01 00:00 UTC (fixed, so a seed always gives the same bytes). */
export const GEN_DEFAULT_START_MS = Date.UTC(2024, 0, 1)
/** Before time 0, pulls run this long unrecorded, so hosts start with warm stores instead of a cold-start storm. */
export const GEN_DEFAULT_WARMUP_MS = 1 * day
/** Regions, taken from the start of GEN_REGION_PRESETS: the simulator's three. */
export const GEN_DEFAULT_REGIONS = 3
/** Hosts in each region. */
export const GEN_DEFAULT_HOSTS_PER_REGION = 40
/** Background pulls per hour over all regions, averaged over a day; with the defaults this gives about 200k rows. */
export const GEN_DEFAULT_PULLS_PER_HOUR = 450
/** The daily cycle: `rate(t) = mean x (1 + amplitude x cos(2 pi (local hour - peak hour) / 24))`. */
export const GEN_DAILY_AMPLITUDE = 0.6
export const GEN_PEAK_LOCAL_HOUR = 14
export const GEN_PERIOD_MS = 1 * day
/** Popularity of a repository: its pull count to this power (1 = as skewed as Docker Hub's lifetime pulls). */
export const GEN_POPULARITY_EXPONENT = 1
/** A host's local image store (LRU by bytes), at scale 1. */
export const GEN_HOST_STORE_BYTES = 4 * 1024 * MiB
/** Mean life of a host before it is replaced by an empty one (exponentially distributed). */
export const GEN_HOST_LIFETIME_MS = 2 * day
/** New image versions released per day over all repositories. */
export const GEN_VERSIONS_PER_DAY = 24
/** Gap between a version reaching one region and the next in its rollout order (uniform in between). */
export const GEN_ROLLOUT_LAG_MIN_MS = 1 * hour
export const GEN_ROLLOUT_LAG_MAX_MS = 6 * hour
/** When a version reaches a region, the region's hosts that run the image deploy it within this window. */
export const GEN_ROLLOUT_WINDOW_MS = 20 * minute
/** Each host runs a few images (its workload, drawn by popularity; a replacement host keeps it). */
export const GEN_WORKLOAD_MIN_IMAGES = 2
export const GEN_WORKLOAD_MAX_IMAGES = 6
/**
 * Share of pulls made by ephemeral clients (CI jobs, short-lived VMs): a new
 * client each time, holding nothing, pulling any image by popularity. They
 * are what makes layer requests as skewed as pull counts: long-lived hosts
 * ask again only for what they lost.
 */
export const GEN_EPHEMERAL_PULL_SHARE = 0.25
/** A repository's next version starts rolling out at least this long after the previous one reached its last region. */
export const GEN_RELEASE_GAP_MS = 1 * hour
/** A pull's manifest request comes first; its layers follow, each this long after the previous at most (uniform). */
export const GEN_FIRST_LAYER_DELAY_MS = 100
export const GEN_LAYER_GAP_MAX_MS = 600
/** Size of an image manifest: a fixed part plus one descriptor per layer (what Docker's schema 2 JSON comes to). */
export const GEN_MANIFEST_BASE_BYTES = 430
export const GEN_MANIFEST_BYTES_PER_LAYER = 160

/** Limits of the generator. */
export const GEN_MAX_DURATION_MS = 366 * day
export const GEN_MAX_REGIONS = 64
export const GEN_MAX_HOSTS = 100_000
/** Rows a generated trace may have (they are all held in memory). */
export const GEN_MAX_ROWS = 5_000_000
/** Pulls (background and rollout) a generation may make. */
export const GEN_MAX_PULLS = 5_000_000
export const GEN_MAX_VERSIONS = 100_000
/** Passes `targetRows` may add to the first to find the pull rate that gives about that many rows. */
export const GEN_CALIBRATION_PASSES = 3
/** The first guess of rows per pull when aiming at `targetRows` (the default trace has about 2.7). */
export const GEN_ROWS_PER_PULL_GUESS = 2.7
/** A calibration pass within this share of the target ends the search. */
export const GEN_CALIBRATION_TOLERANCE = 0.05

/** The published reuse-time figures (Anwar et al., FAST'18): median layer reuse time under 6 minutes (Frankfurt, Sydney) to 1.3 hours (Dallas). */
export const PUBLISHED_REUSE_MS = { min: 6 * minute, max: 1.3 * hour }
/** The published popularity figure: 10% of layers get 60-80% of layer pulls. */
export const PUBLISHED_TOP_LAYER_SHARE = { layers: 0.1, min: 0.6, max: 0.8 }
