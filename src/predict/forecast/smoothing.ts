/**
 * The smoothers, each a pass over the series that yields its one-step-ahead
 * squared error (what fitting minimises) and its final state (what
 * forecasting extends). With y_t the series, e_t = y_t - (forecast of y_t):
 *
 *   SES           l_t = l_{t-1} + alpha e_t                        forecast l
 *   Holt          l_t = alpha y_t + (1-alpha)(l_{t-1} + b_{t-1})
 *                 b_t = beta (l_t - l_{t-1}) + (1-beta) b_{t-1}      forecast l + h b
 *   Holt-Winters  l_t = alpha (y_t - s_{t-m}) + (1-alpha)(l_{t-1} + b_{t-1})
 *   (additive)    b_t = as Holt
 *                 s_t = gamma (y_t - l_t) + (1-gamma) s_{t-m}       forecast l + h b + s_{t+h-m(k+1)}, k = floor((h-1)/m)
 *
 * Initial states, as of just before y_0, so every point counts in the error.
 * SES: l = the mean of the first START_POINTS (10) points. Holt: the least
 * squares line through them (b its slope, l its value one point before
 * y_0); a trend from two noisy points would be mostly noise, and a small
 * beta would keep it. Holt-Winters, from the first two seasons (means M1, M2):
 * b = (M2 - M1) / m, a trend per point; the level just before y_0 is
 * M1 - b (m + 1) / 2, since M1 sits at the middle of the first season; and
 * the season of position i is the average over both seasons of y minus its
 * season's mean minus the trend's part, b (i - (m - 1) / 2), so the seasons
 * sum to zero and a noise-free trend-plus-season series is reproduced
 * exactly. Every point, the first two seasons included, then runs through
 * the recursions.
 */
import { FORECAST_MAX_POINTS } from './constants.js'
import { InvalidForecastInputError } from './errors.js'
import type { FittedModel, ModelSpec } from './index.js'

export class SmoothedModel implements FittedModel {
  constructor (
    readonly spec: ModelSpec,
    readonly points: number,
    readonly sse: number,
    readonly level: number,
    readonly trend: number,
    /** The latest seasonal term of each position; `season[next % m]` belongs to the first forecast. */
    private readonly seasonal: Float64Array | null,
    private readonly next: number
  ) {}

  get season (): readonly number[] {
    if (this.seasonal === null) return []
    const m = this.seasonal.length
    return Array.from({ length: m }, (_, h) => this.seasonal?.[(this.next + h) % m] as number)
  }

  forecast (steps: number): number[] {
    if (!Number.isSafeInteger(steps) || steps < 1 || steps > FORECAST_MAX_POINTS) {
      throw new InvalidForecastInputError(`forecast steps must be an integer from 1 to ${FORECAST_MAX_POINTS}, got ${String(steps)}`)
    }
    const out = new Array<number>(steps)
    for (let h = 1; h <= steps; h++) {
      const seasonal = this.seasonal === null ? 0 : this.seasonal[(this.next + h - 1) % this.seasonal.length] as number
      out[h - 1] = this.level + h * this.trend + seasonal
    }
    return out
  }
}

export function meanModel (y: ArrayLike<number>): SmoothedModel {
  let sum = 0
  for (let t = 0; t < y.length; t++) sum += y[t] as number
  const mean = sum / y.length
  let sse = 0
  for (let t = 0; t < y.length; t++) sse += ((y[t] as number) - mean) ** 2
  return new SmoothedModel({ kind: 'mean', alpha: 0, beta: 0, gamma: 0, period: 0 }, y.length, sse, mean, 0, null, 0)
}

/** Points the SES and Holt initial states are estimated from (all of them, when fewer). */
const START_POINTS = 10

/** The least squares line through the first START_POINTS points: its value at t = 0, and its slope. */
export function lineStart (y: ArrayLike<number>): { intercept: number, slope: number } {
  const n = Math.min(y.length, START_POINTS)
  let meanY = 0
  for (let t = 0; t < n; t++) meanY += y[t] as number
  meanY /= n
  const meanT = (n - 1) / 2
  let covariance = 0
  let variance = 0
  for (let t = 0; t < n; t++) {
    covariance += (t - meanT) * ((y[t] as number) - meanY)
    variance += (t - meanT) ** 2
  }
  const slope = variance === 0 ? 0 : covariance / variance
  return { intercept: meanY - slope * meanT, slope }
}

export function runSes (y: ArrayLike<number>, alpha: number): SmoothedModel {
  let level = 0
  const n = Math.min(y.length, START_POINTS)
  for (let t = 0; t < n; t++) level += (y[t] as number) / n
  let sse = 0
  for (let t = 0; t < y.length; t++) {
    const error = (y[t] as number) - level
    sse += error * error
    level += alpha * error
  }
  return new SmoothedModel({ kind: 'ses', alpha, beta: 0, gamma: 0, period: 0 }, y.length, sse, level, 0, null, 0)
}

export function runHolt (y: ArrayLike<number>, alpha: number, beta: number, start = lineStart(y)): SmoothedModel {
  let level = start.intercept - start.slope
  let trend = start.slope
  let sse = 0
  for (let t = 0; t < y.length; t++) {
    const value = y[t] as number
    const error = value - (level + trend)
    sse += error * error
    const previous = level
    level = alpha * value + (1 - alpha) * (level + trend)
    trend = beta * (level - previous) + (1 - beta) * trend
  }
  return new SmoothedModel({ kind: 'holt', alpha, beta, gamma: 0, period: 0 }, y.length, sse, level, trend, null, 0)
}

export interface SeasonalStart {
  level: number
  trend: number
  season: Float64Array
}

/** The Holt-Winters initial states from the first two seasons (see the file's comment). */
export function seasonalStart (y: ArrayLike<number>, m: number): SeasonalStart {
  let first = 0
  let second = 0
  for (let i = 0; i < m; i++) {
    first += y[i] as number
    second += y[m + i] as number
  }
  first /= m
  second /= m
  const trend = (second - first) / m
  const season = new Float64Array(m)
  for (let i = 0; i < m; i++) {
    const trendPart = trend * (i - (m - 1) / 2)
    season[i] = (((y[i] as number) - first - trendPart) + ((y[m + i] as number) - second - trendPart)) / 2
  }
  return { level: first - trend * (m + 1) / 2, trend, season }
}

export function runHoltWinters (y: ArrayLike<number>, m: number, alpha: number, beta: number, gamma: number, start: SeasonalStart = seasonalStart(y, m)): SmoothedModel {
  let { level, trend } = start
  const season = new Float64Array(start.season)
  let sse = 0
  for (let t = 0; t < y.length; t++) {
    const value = y[t] as number
    const i = t % m
    const s = season[i] as number
    const error = value - (level + trend + s)
    sse += error * error
    const previous = level
    level = alpha * (value - s) + (1 - alpha) * (level + trend)
    trend = beta * (level - previous) + (1 - beta) * trend
    season[i] = gamma * (value - level) + (1 - gamma) * s
  }
  return new SmoothedModel({ kind: 'holt-winters', alpha, beta, gamma, period: m }, y.length, sse, level, trend, season, y.length % m)
}
