/**
 * Fitting: the smoothing parameters that minimise the one-step-ahead
 * squared error (grid, then Nelder-Mead, in [0, 1]), and the rule that
 * picks the model from the length of the history.
 */
import {
  FORECAST_MAX_PERIOD, FORECAST_MAX_POINTS, FORECAST_MIN_HOLT_POINTS, FORECAST_MIN_SEASONS, FORECAST_MIN_SES_POINTS
} from './constants.js'
import { InvalidForecastInputError, InvalidForecastOptionError } from './errors.js'
import type { FittedModel, ModelKind, ModelSpec } from './index.js'
import { minimiseInBox } from './optimise.js'
import { lineStart, meanModel, runHolt, runHoltWinters, runSes, seasonalStart } from './smoothing.js'

/** Fewest points each model can be fitted on (Holt-Winters: two seasons, so `2 * period`). */
const FIT_MIN = { mean: 1, ses: 2, holt: 3 } as const
/** Fewest points each model can be run on with given parameters. */
const APPLY_MIN = { mean: 1, ses: 1, holt: 2 } as const

/**
 * The model for a history of `points` points with seasons of `period`:
 * Holt-Winters with at least FORECAST_MIN_SEASONS (2) full seasons, the
 * fewest its initialisation needs; else Holt's linear trend with at least
 * FORECAST_MIN_HOLT_POINTS (8); else simple exponential smoothing with at
 * least FORECAST_MIN_SES_POINTS (3); else the mean.
 */
export function chooseModel (points: number, period: number): ModelKind {
  if (!Number.isSafeInteger(points) || points < 0) throw new InvalidForecastInputError(`points must be a whole number, got ${String(points)}`)
  checkPeriod(period)
  if (points >= FORECAST_MIN_SEASONS * period) return 'holt-winters'
  if (points >= FORECAST_MIN_HOLT_POINTS) return 'holt'
  if (points >= FORECAST_MIN_SES_POINTS) return 'ses'
  return 'mean'
}

/** Fit the model `chooseModel` picks for the series' length. */
export function fitSeries (series: ArrayLike<number>, options: { period: number }): FittedModel {
  if (typeof options !== 'object' || options == null) throw new InvalidForecastOptionError('fitSeries options must be an object with period')
  for (const key of Object.keys(options)) {
    if (key !== 'period') throw new InvalidForecastOptionError(`unknown fitSeries option "${key}"; known options: period`)
  }
  const y = checkSeries(series, 1)
  switch (chooseModel(y.length, options.period)) {
    case 'holt-winters': return fitHoltWinters(y, options.period)
    case 'holt': return fitHolt(y)
    case 'ses': return fitSes(y)
    default: return meanModel(y)
  }
}

export function fitMean (series: ArrayLike<number>): FittedModel {
  return meanModel(checkSeries(series, FIT_MIN.mean))
}

export function fitSes (series: ArrayLike<number>): FittedModel {
  const y = checkSeries(series, FIT_MIN.ses)
  const [alpha = 0] = minimiseInBox(([a = 0]) => runSes(y, a).sse, 1).point
  return runSes(y, alpha)
}

export function fitHolt (series: ArrayLike<number>): FittedModel {
  const y = checkSeries(series, FIT_MIN.holt)
  const start = lineStart(y)
  const [alpha = 0, beta = 0] = minimiseInBox(([a = 0, b = 0]) => runHolt(y, a, b, start).sse, 2).point
  return runHolt(y, alpha, beta, start)
}

export function fitHoltWinters (series: ArrayLike<number>, period: number): FittedModel {
  checkPeriod(period)
  const y = checkSeries(series, 2 * period)
  const start = seasonalStart(y, period)
  const [alpha = 0, beta = 0, gamma = 0] = minimiseInBox(([a = 0, b = 0, g = 0]) => runHoltWinters(y, period, a, b, g, start).sse, 3).point
  return runHoltWinters(y, period, alpha, beta, gamma, start)
}

/** Run a model with known parameters (from an earlier fit) over a series: no search, one pass. */
export function applyModel (series: ArrayLike<number>, spec: ModelSpec): FittedModel {
  if (typeof spec !== 'object' || spec == null) throw new InvalidForecastOptionError('a model spec must be an object')
  for (const name of ['alpha', 'beta', 'gamma'] as const) {
    const v = spec[name]
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new InvalidForecastOptionError(`model spec ${name} must be a number from 0 to 1, got ${String(v)}`)
  }
  switch (spec.kind) {
    case 'holt-winters':
      checkPeriod(spec.period)
      return runHoltWinters(checkSeries(series, 2 * spec.period), spec.period, spec.alpha, spec.beta, spec.gamma)
    case 'holt': return runHolt(checkSeries(series, APPLY_MIN.holt), spec.alpha, spec.beta)
    case 'ses': return runSes(checkSeries(series, APPLY_MIN.ses), spec.alpha)
    case 'mean': return meanModel(checkSeries(series, APPLY_MIN.mean))
    default: throw new InvalidForecastOptionError(`unknown model kind "${String((spec as { kind: unknown }).kind)}"; known: holt-winters, holt, ses, mean`)
  }
}

function checkPeriod (period: unknown): asserts period is number {
  if (typeof period !== 'number' || !Number.isSafeInteger(period) || period < 2 || period > FORECAST_MAX_PERIOD) {
    throw new InvalidForecastOptionError(`period must be an integer from 2 to ${FORECAST_MAX_PERIOD}, got ${String(period)}`)
  }
}

/** The series as numbers, refused when it is not a list of finite numbers of `min` to FORECAST_MAX_POINTS. */
function checkSeries (series: ArrayLike<number>, min: number): ArrayLike<number> {
  if (series == null || typeof series !== 'object' || typeof series.length !== 'number') {
    throw new InvalidForecastInputError('a series must be an array of numbers')
  }
  if (series.length < min || series.length > FORECAST_MAX_POINTS) {
    throw new InvalidForecastInputError(`this model needs a series of ${min} to ${FORECAST_MAX_POINTS} points, got ${series.length}`)
  }
  for (let t = 0; t < series.length; t++) {
    const v = series[t]
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new InvalidForecastInputError(`series point ${t} is ${String(v)}, not a finite number`)
  }
  return series
}
