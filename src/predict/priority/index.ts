/**
 * A layer's priority, the number the swarm gossips and the seeds turn into
 * replica targets. It is the seed's formula,
 *
 *   priority = usage * w_usage + threat * w_threat + proximity * w_proximity
 *
 * with each score in [0, 1]:
 *
 * - `usage`: the layer's predicted demand (forecast requests plus what
 *   association rules expect, over every region) on a log scale, relative
 *   to the most demanded layer of the same scoring round, so one hot layer
 *   does not flatten the rest: log(1 + d) / log(1 + max d).
 * - `threat`: the layer's threat score from the scanner (0 when unscanned).
 *   The default weight is negative: risk lowers priority. A layer on a
 *   malware list is never scored at all (it is quarantined, not cached).
 * - `proximity`: how far, on average, the demand is from the nearest copy:
 *   sum over regions r of demand(r) * rtt(r, nearest region holding a copy)
 *   divided by sum of demand(r) * the largest distance, where a region with
 *   no copy anywhere is as far as the origin. 0 when every demanding region
 *   holds a copy (or nothing is demanded), 1 when all demand is as far as
 *   it can be. It is what makes the quorum place replicas where deployments
 *   are predicted.
 *
 * Weights come from the configuration (`--priority-weights u,t,p`).
 */
import { DEFAULT_ORIGIN_RTT_MS, DEFAULT_W_PROXIMITY, DEFAULT_W_THREAT, DEFAULT_W_USAGE } from './constants.js'
import { checkWeights, scorePriorities } from './score.js'

export * from './constants.js'
export * from './errors.js'
export { parseWeights } from './score.js'

export interface PriorityWeights {
  /** @default DEFAULT_W_USAGE (0.6) */
  usage: number
  /** @default DEFAULT_W_THREAT (-0.25) */
  threat: number
  /** @default DEFAULT_W_PROXIMITY (0.4) */
  proximity: number
}

export interface LayerOutlook {
  digest: string
  /** Predicted requests per region over the horizon (forecast plus rule-expected). */
  demandByRegion: Readonly<Record<string, number>>
  /** The scanner's threat score in [0, 1]; 0 or absent when unscanned. */
  threat?: number
  /** Regions where some host holds the layer now. */
  cachedRegions: readonly string[]
}

export interface LayerPriority {
  digest: string
  priority: number
  usage: number
  threat: number
  proximity: number
  /** Total predicted demand over every region. */
  demand: number
  /** The inputs in a few words, for people reading `shoal priority`. */
  reason: string
}

export interface Distances {
  /** Round trip between regions, ms; symmetric, looked up both ways. */
  rttMs: Readonly<Record<string, Readonly<Record<string, number>>>>
  /** Round trip from a region to the origin registry. @default DEFAULT_ORIGIN_RTT_MS (250) for every region */
  originRttMs?: Readonly<Record<string, number>> | number
}

export interface PriorityInit {
  weights?: Partial<PriorityWeights>
  distances?: Distances
}

/**
 * Scores a round of layers. Layers come back in priority order, highest
 * first (ties by digest, so the order is deterministic).
 */
export function computePriorities (layers: readonly LayerOutlook[], init: PriorityInit = {}): LayerPriority[] {
  const weights = checkWeights({ usage: DEFAULT_W_USAGE, threat: DEFAULT_W_THREAT, proximity: DEFAULT_W_PROXIMITY, ...init.weights })
  return scorePriorities(layers, weights, init.distances ?? { rttMs: {}, originRttMs: DEFAULT_ORIGIN_RTT_MS })
}
