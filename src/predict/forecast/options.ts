/** Check a demand forecaster's options once, when it is built, and fill in the defaults. */
import {
  FORECAST_BUCKET_MS, FORECAST_MAX_BUCKETS, FORECAST_MAX_HORIZON_BUCKETS, FORECAST_MAX_PERIOD, FORECAST_MAX_POINTS,
  FORECAST_MAX_SERIES, FORECAST_REFIT_EVERY_BUCKETS, FORECAST_SEASON_BUCKETS
} from './constants.js'
import { InvalidForecastOptionError } from './errors.js'
import type { DemandForecasterInit } from './index.js'

export type DemandForecasterOptions = Required<DemandForecasterInit>

const KNOWN = ['bucketMs', 'seasonBuckets', 'maxSeries', 'maxBuckets', 'refitEveryBuckets', 'maxHorizonBuckets']

export function demandForecasterOptions (init: DemandForecasterInit): DemandForecasterOptions {
  if (typeof init !== 'object' || init == null) throw new InvalidForecastOptionError('demand forecaster options must be an object')
  for (const key of Object.keys(init)) {
    if (!KNOWN.includes(key)) throw new InvalidForecastOptionError(`unknown demand forecaster option "${key}"; known options: ${KNOWN.join(', ')}`)
  }
  const integer = (name: keyof DemandForecasterInit, fallback: number, min: number, max: number): number => {
    const value = init[name] ?? fallback
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidForecastOptionError(`demand forecaster option ${name} must be an integer from ${min} to ${max}, got ${String(value)}`)
    }
    return value
  }
  const options: DemandForecasterOptions = {
    bucketMs: integer('bucketMs', FORECAST_BUCKET_MS, 1, Number.MAX_SAFE_INTEGER),
    seasonBuckets: integer('seasonBuckets', FORECAST_SEASON_BUCKETS, 2, FORECAST_MAX_PERIOD),
    maxSeries: integer('maxSeries', FORECAST_MAX_SERIES, 1, 10_000_000),
    maxBuckets: integer('maxBuckets', FORECAST_MAX_BUCKETS, 1, FORECAST_MAX_POINTS),
    refitEveryBuckets: integer('refitEveryBuckets', FORECAST_REFIT_EVERY_BUCKETS, 1, Number.MAX_SAFE_INTEGER),
    maxHorizonBuckets: integer('maxHorizonBuckets', FORECAST_MAX_HORIZON_BUCKETS, 1, FORECAST_MAX_POINTS)
  }
  if (options.maxBuckets < 2 * options.seasonBuckets) {
    throw new InvalidForecastOptionError(`demand forecaster option maxBuckets (${options.maxBuckets}) must be at least 2 * seasonBuckets (${2 * options.seasonBuckets}): Holt-Winters needs two seasons of history`)
  }
  return options
}
