/** Cache simulator defaults and limits, built from units. The docs in `index.ts` are tested against these. */
import { second } from '../../node/constants.js'

/** Requests before this fraction of the trace's time span has passed train caches and prefetchers but are not counted. */
export const DEFAULT_WARMUP_FRACTION = 0.2
/** Prefetched bytes allowed per request, as a fraction of the cache's capacity. */
export const DEFAULT_PREFETCH_BUDGET_FRACTION = 0.1
/** Most prefetch candidates looked at per request; the rest of a longer suggestion is ignored. */
export const MAX_PREFETCH_CANDIDATES = 256
/** Most requests one simulation replays (about 1 GB of memory for the trace and the policy's state). */
export const MAX_SIMULATED_REQUESTS = 10_000_000
/** The abort signal is looked at every this many requests. */
export const SIGNAL_CHECK_REQUESTS = 4096

/** The manifest prefetcher links a manifest to the blobs its client requests this long after it. */
export const MANIFEST_WINDOW_MS = 60 * second
/** ... and suggests a blob once it followed at least this fraction of the manifest's pulls seen. */
export const MANIFEST_MIN_CONFIDENCE = 0.2
/** Most manifests it remembers; the least recently pulled is forgotten first. */
export const MANIFEST_MAX_MANIFESTS = 20_000
/** Most blobs remembered per manifest; the least often seen is forgotten first. */
export const MANIFEST_MAX_BLOBS = 128
/** Most clients whose open manifest window it tracks; the least recently active is forgotten first. */
export const MANIFEST_MAX_CLIENTS = 100_000

/** Most cache sizes one evaluation runs. */
export const EVALUATE_MAX_FRACTIONS = 32
/** Most simulations one evaluation runs (sizes x policies, prefetch runs and extras). */
export const EVALUATE_MAX_RUNS = 512
