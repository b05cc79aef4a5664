/**
 * Demand forecasts: how many requests a blob (or any key) will get in a
 * region over the next while, from its counts per bucket (an hour by
 * default) with a daily season (24 buckets). The model depends on how much
 * history a series has (`chooseModel`, with n its complete buckets and m
 * the season length):
 *
 *   n >= 2m  Holt-Winters, additive season: level, trend and m seasonal
 *            terms, initialised from the first two seasons (see
 *            `smoothing.ts`); two seasons is the least that separates a
 *            trend from a season.
 *   n >= 8   Holt's linear trend (double exponential smoothing); fewer
 *            points give a trend that is mostly noise.
 *   n >= 3   simple exponential smoothing (a level only).
 *   n >= 1   the mean.
 *
 * The smoothing parameters (alpha, beta, gamma, each in [0, 1]) minimise the
 * one-step-ahead squared error: the best point of a 6-value grid per
 * parameter, refined by at most FORECAST_MAX_ITERATIONS Nelder-Mead
 * iterations. A fit of n points costs O((6^d + 2 * iterations) * n) for d
 * parameters: Holt-Winters on two weeks of hours takes about 340 passes,
 * 1 to 3 ms of CPU; a rerun with known parameters is one pass, about 50 us.
 *
 * `DemandForecaster` keeps a ring of counts per (key, region), at most
 * `maxSeries` series (a new one evicts the one least recently added to) and
 * `maxBuckets` buckets each. It fits lazily, on the complete buckets before
 * `nowMs`'s, caches the model until one of those buckets changes or another
 * completes, and refits the parameters at most every `refitEveryBuckets`
 * buckets (or when the chosen model changes); in between it reruns the
 * states with the cached parameters. A series with no complete bucket yet
 * is forecast from its filling bucket as if it were whole. Forecasts are
 * never below zero. `top` asks every series, so the first call after a
 * refit interval refits them all (1 to 3 ms each); the calls after it are
 * answered from the caches (a few us a series).
 */
import { DemandForecaster } from './demand-forecaster.js'

export * from './constants.js'
export * from './errors.js'
export { chooseModel, fitSeries, fitMean, fitSes, fitHolt, fitHoltWinters, applyModel } from './fit.js'
export { DemandForecaster } from './demand-forecaster.js'

export type ModelKind = 'holt-winters' | 'holt' | 'ses' | 'mean'

/** A model and its parameters; the ones a kind does not use are 0. */
export interface ModelSpec {
  kind: ModelKind
  /** Level smoothing. */
  alpha: number
  /** Trend smoothing (Holt, Holt-Winters). */
  beta: number
  /** Season smoothing (Holt-Winters). */
  gamma: number
  /** Season length in points (Holt-Winters; 0 for the others). */
  period: number
}

/** A model run over a series: its final state, ready to forecast. */
export interface FittedModel {
  readonly spec: ModelSpec
  /** Points it was run over. */
  readonly points: number
  /** Sum of squared one-step-ahead errors over those points (the mean model: squared deviations). */
  readonly sse: number
  readonly level: number
  /** Per point; 0 for SES and the mean. */
  readonly trend: number
  /** The seasonal terms, the next point's first; empty but for Holt-Winters. */
  readonly season: readonly number[]
  /** The next `steps` points (1 to FORECAST_MAX_POINTS) after the series. */
  forecast (steps: number): number[]
}

export interface DemandForecasterInit {
  /** @default FORECAST_BUCKET_MS (1 hour) */
  bucketMs?: number
  /** Buckets in a season, at least 2. @default FORECAST_SEASON_BUCKETS (24) */
  seasonBuckets?: number
  /** @default FORECAST_MAX_SERIES (10000) */
  maxSeries?: number
  /** At least 2 * seasonBuckets. @default FORECAST_MAX_BUCKETS (336) */
  maxBuckets?: number
  /** @default FORECAST_REFIT_EVERY_BUCKETS (24) */
  refitEveryBuckets?: number
  /** @default FORECAST_MAX_HORIZON_BUCKETS (168) */
  maxHorizonBuckets?: number
}

export interface DemandForecast {
  key: string
  region: string
  /** Requests expected in the horizon. */
  expected: number
}

export interface DemandForecasterStats {
  series: number
  /** Series evicted by `maxSeries`. */
  evictedSeries: number
  /** Counts added to a bucket older than the series' ring holds (ignored). */
  lateCounts: number
  /** Parameter searches. */
  fits: number
  /** Runs with cached parameters. */
  reruns: number
  /** Forecasts answered from a cached model. */
  cacheHits: number
}

export function createDemandForecaster (init: DemandForecasterInit = {}): DemandForecaster {
  return new DemandForecaster(init)
}
