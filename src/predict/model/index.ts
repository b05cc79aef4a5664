/**
 * Shoal's predictive cache model: rules (what follows what), forecasts
 * (what the next hour brings) and decayed counts, learned strictly from
 * the past (`DemandModel`), and the cache policy built on them
 * (`ShoalCachePolicy`, see its file for the value it keeps blobs by and
 * what it prefetches). `shoal predict eval` replays traces through it
 * beside LRU, LFU, ARC, GDSF and Belady; the daemon's priority reads the
 * same model.
 */
import type { DemandForecasterInit } from '../forecast/index.js'
import type { RuleMinerInit } from '../rules/index.js'
import { modelOptions } from './options.js'
import { ShoalCachePolicy } from './shoal-cache.js'

export * from './constants.js'
export * from './errors.js'
export { DemandModel, NO_REGION } from './demand-model.js'
export { ShoalCachePolicy } from './shoal-cache.js'

export interface ShoalModelInit {
  /** Rule mining; sessions per client unless told otherwise. */
  rules?: RuleMinerInit
  forecast?: DemandForecasterInit
  /** Forecast each region apart (the daemon's priority) or all together (one cache). @default false */
  perRegion?: boolean
  /** Trace time between rule minings. @default MODEL_REFRESH_MS (1 hour) */
  refreshMs?: number
  /** Least ordered confidence of a rule to prefetch on it. @default PREFETCH_MIN_CONFIDENCE (0.6) */
  minConfidence?: number
  /** @default DECAY_HALF_LIFE_MS (6 hour) */
  halfLifeMs?: number
  /** @default FORECAST_HORIZON_MS (1 hour) */
  horizonMs?: number
  /** @default PRECACHE_TOP (64) */
  precacheTop?: number
  /** @default PRECACHE_MIN_EXPECTED (1) */
  precacheMinExpected?: number
  /** @default PRECACHE_MAX_BLOBS (32) */
  precacheMaxBlobs?: number
  /** @default MODEL_MAX_KNOWN_BLOBS (200000) */
  maxKnownBlobs?: number
  /** @default ADMIT_MAX_VICTIMS (64) */
  admitMaxVictims?: number
  /** The size's exponent in the value: 1 favours small blobs (request hit ratio), 0 ignores size. @default 1 */
  sizeExponent?: number
}

/** A fresh policy for one cache of `capacityBytes`: pass it as both `policy` and `prefetcher` to `simulate`. */
export function createShoalCachePolicy (capacityBytes: number, init: ShoalModelInit = {}): ShoalCachePolicy {
  return new ShoalCachePolicy(capacityBytes, modelOptions(init))
}
