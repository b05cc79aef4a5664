/** Priority defaults, named and built from units. The docs in `index.ts` are tested against these. */

/**
 * Weights of the three scores. Usage leads; proximity raises layers that
 * are needed far from where they are cached; the threat weight is negative
 * so that risk lowers a layer's priority ("high-risk, rarely used shards
 * are evicted more aggressively"), while the formula stays the seed's
 * `usage * w_usage + threat * w_threat + proximity * w_proximity`.
 */
export const DEFAULT_W_USAGE = 0.6
export const DEFAULT_W_THREAT = -0.25
export const DEFAULT_W_PROXIMITY = 0.4

/** Largest weight magnitude accepted: weights are relative, and bigger ones are a typo. */
export const MAX_WEIGHT = 100
/** Most layers scored in one call. */
export const MAX_PRIORITY_LAYERS = 100_000
/** Most regions a layer's demand may name. */
export const MAX_PRIORITY_REGIONS = 256
/** Distance (round trip, ms) of a region that holds no copy to the origin, when the topology does not say. */
export const DEFAULT_ORIGIN_RTT_MS = 250
