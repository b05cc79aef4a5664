/** Validation of the model's options, once, at construction. */
import { FORECAST_SEASON_BUCKETS } from '../forecast/index.js'
import type { DemandForecasterInit } from '../forecast/index.js'
import type { RuleMinerInit } from '../rules/index.js'
import {
  ADMIT_MAX_VICTIMS, DECAY_HALF_LIFE_MS, FORECAST_HORIZON_MS, MODEL_MAX_KNOWN_BLOBS, MODEL_REFRESH_MS,
  PRECACHE_MAX_BLOBS, PRECACHE_MIN_EXPECTED, PRECACHE_TOP, PREFETCH_MIN_CONFIDENCE
} from './constants.js'
import { InvalidModelOptionError } from './errors.js'
import type { ShoalModelInit } from './index.js'

export interface ResolvedModelOptions {
  rules: RuleMinerInit
  forecast: DemandForecasterInit
  perRegion: boolean
  refreshMs: number
  minConfidence: number
  halfLifeMs: number
  horizonMs: number
  precacheTop: number
  precacheMinExpected: number
  precacheMaxBlobs: number
  maxKnownBlobs: number
  admitMaxVictims: number
  sizeExponent: number
}

const KNOWN = new Set(['rules', 'forecast', 'perRegion', 'refreshMs', 'minConfidence', 'halfLifeMs', 'horizonMs', 'precacheTop', 'precacheMinExpected', 'precacheMaxBlobs', 'maxKnownBlobs', 'admitMaxVictims', 'sizeExponent'])

export function modelOptions (init: ShoalModelInit): ResolvedModelOptions {
  for (const key of Object.keys(init)) {
    if (!KNOWN.has(key)) throw new InvalidModelOptionError(`unknown model option ${JSON.stringify(key)}; known: ${[...KNOWN].join(', ')}`)
  }
  const positive = (name: string, v: number | undefined, d: number, integer = false): number => {
    const x = v ?? d
    if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0 || (integer && !Number.isSafeInteger(x))) {
      throw new InvalidModelOptionError(`${name}: ${String(x)} must be a ${integer ? 'whole ' : ''}number above 0`)
    }
    return x
  }
  const minConfidence = init.minConfidence ?? PREFETCH_MIN_CONFIDENCE
  if (!(minConfidence >= 0 && minConfidence <= 1)) throw new InvalidModelOptionError(`minConfidence: ${String(minConfidence)} must be in [0, 1]`)
  const sizeExponent = init.sizeExponent ?? 1
  if (!(sizeExponent >= 0 && sizeExponent <= 2)) throw new InvalidModelOptionError(`sizeExponent: ${String(sizeExponent)} must be in [0, 2]`)
  return {
    rules: { groupBy: 'client', ...init.rules },
    forecast: { seasonBuckets: FORECAST_SEASON_BUCKETS, ...init.forecast },
    perRegion: init.perRegion ?? false,
    refreshMs: positive('refreshMs', init.refreshMs, MODEL_REFRESH_MS),
    minConfidence,
    halfLifeMs: positive('halfLifeMs', init.halfLifeMs, DECAY_HALF_LIFE_MS),
    horizonMs: positive('horizonMs', init.horizonMs, FORECAST_HORIZON_MS),
    precacheTop: positive('precacheTop', init.precacheTop, PRECACHE_TOP, true),
    precacheMinExpected: positive('precacheMinExpected', init.precacheMinExpected, PRECACHE_MIN_EXPECTED),
    precacheMaxBlobs: positive('precacheMaxBlobs', init.precacheMaxBlobs, PRECACHE_MAX_BLOBS, true),
    maxKnownBlobs: positive('maxKnownBlobs', init.maxKnownBlobs, MODEL_MAX_KNOWN_BLOBS, true),
    admitMaxVictims: positive('admitMaxVictims', init.admitMaxVictims, ADMIT_MAX_VICTIMS, true),
    sizeExponent
  }
}
