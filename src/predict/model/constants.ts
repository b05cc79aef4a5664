/** Defaults of shoal's predictive cache policy, built from units. The docs in `index.ts` are tested against these. */
import { minute } from '../../node/constants.js'

const hour = 60 * minute

/**
 * Trace time between two rule minings. A mining over a day of sessions
 * takes tens to a hundred milliseconds; hourly keeps a week's replay to
 * seconds while rules still follow a day's changes.
 */
export const MODEL_REFRESH_MS = 1 * hour
/** Least ordered confidence ("B still to come after A") a rule needs to trigger a prefetch. */
export const PREFETCH_MIN_CONFIDENCE = 0.6
/** Half-life of a blob's decayed request count, the memory of the eviction value. */
export const DECAY_HALF_LIFE_MS = 6 * hour
/** How far ahead forecasts look, for the eviction value and for pre-caching. */
export const FORECAST_HORIZON_MS = 1 * hour
/** Blobs whose forecast is asked at each forecast bucket (the most requested of the last day). */
export const PRECACHE_TOP = 64
/** Least expected requests in the horizon for a blob to be pre-cached. */
export const PRECACHE_MIN_EXPECTED = 1
/** Most blobs pre-cached after one forecast bucket. */
export const PRECACHE_MAX_BLOBS = 32
/** Blobs whose size and request count the model remembers (the least recently seen go first). */
export const MODEL_MAX_KNOWN_BLOBS = 200_000
/** Most cached blobs looked at to find room for one prefetch before it is refused. */
export const ADMIT_MAX_VICTIMS = 64
