/**
 * Traces for the prediction work: reading and writing request traces as CSV,
 * and generating synthetic ones whose structure is known.
 *
 * A trace is a CSV whose header names at least `ts_ms,client,blob,bytes`;
 * `repo`, `region`, `method` and `kind` ('manifest' or 'blob', default blob)
 * are read when present and other columns are ignored. HEAD rows move no
 * bytes: they are counted and left out. A malformed row is counted, the first
 * TRACE_MAX_ERRORS_KEPT (20) are described by line, and it is skipped; a
 * missing required column fails the whole trace with a `TraceFormatError`
 * naming the columns found. Limits: `maxRows` (default
 * TRACE_DEFAULT_MAX_ROWS, 2,000,000; a `TraceLimitError` past it),
 * `maxLineChars` (16 KiB) and `maxFieldChars` (1 KiB; a longer row is
 * malformed). `parseTrace` reads text, `readTraceFile` a file a chunk at a
 * time; both return the requests sorted by time (stable). `formatTraceCsv`
 * and `writeTraceFile` write `ts_ms,client,blob,bytes,repo,region,kind` rows
 * that read back the same.
 *
 * `generateTrace` makes a week (by default) of registry requests from the
 * Docker Hub catalog (`loadCatalog`; a synthetic catalog with its published
 * statistics when the file is absent): per region a daily cycle of pulls (a
 * non-homogeneous Poisson process, peaking at 14:00 local time) by hosts
 * that each run a few images (drawn by popularity, i.e. pull counts) and by
 * ephemeral clients (CI jobs: any image by popularity, holding nothing); each
 * pull is a manifest request followed within seconds by the layers the client
 * lacks (hosts keep a bounded LRU store and are replaced now and then); new
 * image versions (new top layers on the same base) roll out region by region
 * hours apart, deployed by the hosts that run them. It returns the
 * planted structure as `truth`, so rules and forecasts can be checked
 * against it, and `stats` to compare with the published figures (FAST'18:
 * 10% of layers get 60-80% of layer pulls; median layer reuse time from
 * under 6 minutes to 1.3 hours). The same seed gives the same trace, byte for
 * byte once formatted.
 */
import type { TraceRequest } from '../types.js'
import type { Catalog } from './catalog.js'

export * from './constants.js'
export * from './errors.js'
export { CsvParser, readCsv, type CsvLimits, type CsvRecord } from './csv.js'
export { parseTrace, readTraceFile } from './read.js'
export { formatTraceCsv, formatTraceRow, writeTraceFile, TRACE_CSV_HEADER, type WriteTraceOptions } from './write.js'
export { findCatalogFile, loadCatalog, parseCatalog, sharedDataCandidates, sortByPopularity, type Catalog, type CatalogLayer, type CatalogRepo, type LoadCatalogOptions } from './catalog.js'
export { syntheticCatalog, type SyntheticCatalogOptions } from './synthetic-catalog.js'
export { deriveSeed, Rng, seededRandom, WeightedPicker } from './prng.js'
export { generateTrace } from './generate/generate.js'
export { GEN_REGION_PRESETS } from './generate/options.js'
export { hourOfDayProfile, layerRequestCounts, layerReuseGaps, median, topShare } from './generate/stats.js'

export interface TraceReadOptions {
  /** Most data rows (requests, HEAD rows and malformed rows together). @default TRACE_DEFAULT_MAX_ROWS (2,000,000) */
  maxRows?: number
  /** Longest record; a longer one is a malformed row (a longer header fails the trace). @default TRACE_DEFAULT_MAX_LINE_CHARS (16 KiB) */
  maxLineChars?: number
  /** Longest field; a row with a longer one is malformed. @default TRACE_DEFAULT_MAX_FIELD_CHARS (1 KiB) */
  maxFieldChars?: number
  /** Names the trace in errors. @default 'trace', or the file's path */
  source?: string
  /** `readTraceFile` only: stops reading. */
  signal?: AbortSignal
}

export interface TraceRowError {
  /** 1-based line the row starts on. */
  line: number
  reason: string
}

export interface ParsedTrace {
  /** Sorted by `tsMs`; requests at the same time keep their file order. */
  requests: TraceRequest[]
  /** Data rows read: requests, HEAD rows and malformed rows (blank lines are not rows). */
  rows: number
  /** Malformed rows, left out. */
  skipped: number
  /** HEAD rows, left out: no bytes move. */
  headRows: number
  /** The first TRACE_MAX_ERRORS_KEPT malformed rows. */
  errors: TraceRowError[]
  /** The header's names, trimmed and lower case, in order (ignored ones too). */
  columns: string[]
}

export interface GenRegion {
  /** Letters, digits, '.', '_', '-'. */
  name: string
  /** Its time zone, hours from UTC (-12 to 14; 5.5 is fine). */
  utcOffsetHours: number
  /** @default hostsPerRegion */
  hosts?: number
}

export interface GenerateTraceOptions {
  seed: number
  /** @default GEN_DEFAULT_DURATION_MS (7 days) */
  durationMs?: number
  /** Time 0, ms since the epoch. @default GEN_DEFAULT_START_MS (2024-01-01T00:00Z, a Monday) */
  startMs?: number
  /** Pulls before time 0 that fill host stores and are not recorded. @default GEN_DEFAULT_WARMUP_MS (1 day) */
  warmupMs?: number
  /** A number of regions from GEN_REGION_PRESETS (us-east, eu-west, ap-south, ...), or the regions. @default GEN_DEFAULT_REGIONS (3) */
  regions?: number | GenRegion[]
  /** @default GEN_DEFAULT_HOSTS_PER_REGION (40) */
  hostsPerRegion?: number
  /** Background pulls per hour over all regions, averaged over the day (rollouts add to them). @default GEN_DEFAULT_PULLS_PER_HOUR (450) */
  pullsPerHour?: number
  /** Instead of pullsPerHour: about this many rows (within about 5%; up to GEN_CALIBRATION_PASSES extra passes). */
  targetRows?: number
  /** Factor on layer sizes (and on the default host store). @default 1 */
  scale?: number
  /** The catalog file; no fallback when it cannot be read. @default the shared data's catalog, else a synthetic one (loadCatalog) */
  catalogPath?: string
  /** A catalog already loaded (instead of catalogPath). */
  catalog?: Catalog
  /** Popularity = pull count ^ this. @default GEN_POPULARITY_EXPONENT (1) */
  popularityExponent?: number
  /** Depth of the daily cycle, 0 (flat) to 1. @default GEN_DAILY_AMPLITUDE (0.6) (the peak hour has 4x the quietest) */
  dailyAmplitude?: number
  /** A host's local store. @default GEN_HOST_STORE_BYTES (4 GiB) x scale */
  hostStoreBytes?: number
  /** Mean life of a host before it is replaced by an empty one. @default GEN_HOST_LIFETIME_MS (2 days) */
  hostLifetimeMs?: number
  /** New image versions per day over all repositories. @default GEN_VERSIONS_PER_DAY (24) */
  versionsPerDay?: number
  /** Share of pulls by ephemeral clients (a new client each time, holding nothing, any image by popularity). @default GEN_EPHEMERAL_PULL_SHARE (0.25) */
  ephemeralShare?: number
  /** Shortest lag between successive regions of a rollout (lags are uniform in [min, max]). @default GEN_ROLLOUT_LAG_MIN_MS (1 h) */
  rolloutLagMinMs?: number
  /** Longest lag. @default GEN_ROLLOUT_LAG_MAX_MS (6 h), or rolloutLagMinMs when that is longer */
  rolloutLagMaxMs?: number
  signal?: AbortSignal
}

export interface TraceTruthImage {
  /** `<repo>:v<version>`; version 0 is the catalog's image. */
  id: string
  repo: string
  version: number
  /** The manifest's blob id: a pull's first request. */
  manifest: string
  manifestBytes: number
  /** Distinct layers, base first: what a pull of it asks for after the manifest, less what the host holds. */
  layers: string[]
  layerBytes: number[]
}

export interface TraceTruthVersion {
  repo: string
  /** The new image's id. */
  image: string
  /** The image it replaces. */
  previous: string
  /** Its layers that the previous version did not have. */
  newLayers: string[]
  /** Regions in rollout order. */
  order: string[]
  /** When it reaches each region, ms since the epoch (possibly after the trace's end). Pulls there get it from then on. */
  releasedAtMs: Record<string, number>
  /** Hosts of each region that run the image and deploy the version within `rolloutWindowMs` of its arrival (0: only later one-off pulls get it there). */
  rolloutHosts: Record<string, number>
}

export interface TraceTruth {
  startMs: number
  durationMs: number
  /** The daily cycle's period. */
  periodMs: number
  /** Pulls peak at this local hour and bottom out 12 hours later. */
  peakLocalHour: number
  dailyAmplitude: number
  regions: Array<{ name: string, utcOffsetHours: number, hosts: number }>
  /** Every image version: its manifest and layers are the co-pulled groups. */
  images: TraceTruthImage[]
  /** Versions released during the trace, by first release. */
  versions: TraceTruthVersion[]
  /** A background pull's chance of each repository. */
  popularity: Array<{ repo: string, share: number }>
  /** A rollout's pulls in a region fall within this long after the version reaches it. */
  rolloutWindowMs: number
  hostStoreBytes: number
  hostLifetimeMs: number
}

export interface GeneratedTraceStats {
  rows: number
  manifestRows: number
  blobRows: number
  /** Pulls recorded, and of those, rollout pulls and pulls by ephemeral clients. */
  pulls: number
  rolloutPulls: number
  ephemeralPulls: number
  hostReplacements: number
  clients: number
  distinctBlobs: number
  /** Bytes of the distinct blobs requested. */
  uniqueBytes: number
  /** Bytes of all requests. */
  requestedBytes: number
  /** Share of layer requests that go to the 10% most requested layers (published: 0.6-0.8). */
  topLayerShare: number
  /** Shares of the distinct layers requested under 1 MiB and under 10 MiB (published: 0.65 and 0.8). */
  layersUnder1MiB: number
  layersUnder10MiB: number
  /** Median time between two requests of a layer in the same region, all regions pooled (null: no layer was requested twice). */
  medianReuseMs: number | null
  medianReuseMsByRegion: Record<string, number | null>
  /** Whether medianReuseMs is within the published 6 minutes to 1.3 hours: a sanity check, not a target. */
  reuseWithinPublished: boolean
  /** Per region: manifest requests in the busiest local hour over the quietest. */
  dailyPeakToTrough: Record<string, number>
  /** The background pull rate used (found, with targetRows). */
  pullsPerHour: number
  /** Whole generations run (more than 1 with targetRows). */
  calibrationPasses: number
  catalog: { source: string, synthetic: boolean, repos: number, scale: number }
}

export interface GeneratedTrace {
  /** Sorted by `tsMs`. */
  requests: TraceRequest[]
  truth: TraceTruth
  stats: GeneratedTraceStats
}
