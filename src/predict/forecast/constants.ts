/** Forecast defaults and limits, built from units. The docs in `index.ts` are tested against these. */
import { minute } from '../../node/constants.js'

const hour = 60 * minute

/** Demand is counted per series per bucket of this length... */
export const FORECAST_BUCKET_MS = 1 * hour
/** ... and a season is this many buckets: a day of hours. */
export const FORECAST_SEASON_BUCKETS = 24
/** Most (key, region) series tracked; a new one beyond it evicts the one least recently added to. */
export const FORECAST_MAX_SERIES = 10_000
/** Most buckets kept per series (two weeks of hours): the longest history a model is fitted on. */
export const FORECAST_MAX_BUCKETS = 14 * 24
/** A series' smoothing parameters are refitted at most once per this many buckets; in between they are reused and only the states rerun. */
export const FORECAST_REFIT_EVERY_BUCKETS = 24
/** Longest horizon a forecast may ask for, in buckets (a week of hours). */
export const FORECAST_MAX_HORIZON_BUCKETS = 7 * 24

/** The choice of model by history length n (see `chooseModel`): Holt-Winters from this many full seasons... */
export const FORECAST_MIN_SEASONS = 2
/** ... else Holt's linear trend from this many points (fewer give a trend that is mostly noise)... */
export const FORECAST_MIN_HOLT_POINTS = 8
/** ... else simple exponential smoothing from this many, else the mean. */
export const FORECAST_MIN_SES_POINTS = 3

/**
 * The grid each smoothing parameter is first searched on, before Nelder-Mead refines the best point.
 * Six values, because the error surface can hold near-equal minima with different forecasts: with 4 or 5
 * values Holt-Winters settled in the worse one on 1 noisy series in 60 (its next-day error doubled).
 */
export const FORECAST_GRID: readonly number[] = Object.freeze([0.05, 0.2, 0.4, 0.6, 0.8, 0.95])
/** Most Nelder-Mead iterations per fit. */
export const FORECAST_MAX_ITERATIONS = 200
/** Nelder-Mead stops when the simplex's errors agree to this relative tolerance. */
export const FORECAST_TOLERANCE = 1e-7

/** Hard ceilings, not options. Longest series a model is fitted on. */
export const FORECAST_MAX_POINTS = 100_000
/** Longest season, in points. */
export const FORECAST_MAX_PERIOD = 10_000
/** Longest key or region string. */
export const FORECAST_MAX_STRING_CHARS = 1024
