/**
 * Requests per (key, region) per bucket, and forecasts from them. Each
 * series is a ring of its latest `maxBuckets` counts. A forecast at `nowMs`
 * fits on the complete buckets before now's (the current one is still
 * filling), caches the fitted model until an older bucket changes or a
 * bucket completes, and reuses the fitted parameters, rerunning only the
 * states, until `refitEveryBuckets` buckets have passed or the chosen model
 * changes. See `index.ts` for the contract.
 */
import { FORECAST_MAX_STRING_CHARS } from './constants.js'
import { InvalidForecastInputError } from './errors.js'
import { applyModel, chooseModel, fitSeries } from './fit.js'
import type { DemandForecasterInit, DemandForecasterStats, DemandForecast, FittedModel, ModelSpec } from './index.js'
import { demandForecasterOptions, type DemandForecasterOptions } from './options.js'
import { meanModel } from './smoothing.js'

interface Series {
  key: string
  region: string
  /** `counts[b % maxBuckets]` is bucket b's count, for b in (head - maxBuckets, head]. */
  counts: Float64Array
  /** The newest bucket added to. */
  head: number
  /** The oldest bucket added to (the series starts there). */
  first: number
  /** The oldest bucket changed since `model` was computed. */
  changedFrom: number
  /** The parameters last fitted, and the last complete bucket they were fitted through. */
  fitted?: { spec: ModelSpec, through: number }
  /** The model through `through`, valid while no bucket at or before it changes. */
  model?: { fitted: FittedModel, through: number }
}

export class DemandForecaster {
  private readonly options: DemandForecasterOptions
  /** In order of the last `add`: the first is the one to evict. */
  private readonly series = new Map<string, Series>()
  private readonly counts = { evictedSeries: 0, lateCounts: 0, fits: 0, reruns: 0, cacheHits: 0 }

  constructor (init: DemandForecasterInit = {}) {
    this.options = demandForecasterOptions(init)
  }

  add (key: string, region: string, tsMs: number, count = 1): void {
    checkName('key', key)
    checkName('region', region)
    checkTime('tsMs', tsMs)
    if (typeof count !== 'number' || !Number.isFinite(count) || count < 0) {
      throw new InvalidForecastInputError(`count must be a finite number of at least 0, got ${String(count)}`)
    }
    const { maxBuckets, maxSeries } = this.options
    const bucket = Math.floor(tsMs / this.options.bucketMs)
    const id = seriesId(key, region)
    let series = this.series.get(id)
    if (series === undefined) {
      if (this.series.size >= maxSeries) {
        const oldest = this.series.keys().next().value as string
        this.series.delete(oldest)
        this.counts.evictedSeries++
      }
      series = { key, region, counts: new Float64Array(maxBuckets), head: bucket, first: bucket, changedFrom: bucket }
    } else {
      this.series.delete(id)
    }
    this.series.set(id, series)

    if (bucket <= series.head - maxBuckets) {
      this.counts.lateCounts++
      return
    }
    if (bucket > series.head) {
      for (let b = Math.max(series.head + 1, bucket - maxBuckets + 1); b <= bucket; b++) series.counts[b % maxBuckets] = 0
      series.head = bucket
    }
    series.counts[bucket % maxBuckets] = (series.counts[bucket % maxBuckets] as number) + count
    series.first = Math.min(series.first, bucket)
    series.changedFrom = Math.min(series.changedFrom, bucket)
  }

  forecast (key: string, region: string, nowMs: number, horizonMs: number): number {
    checkName('key', key)
    checkName('region', region)
    this.checkQuery(nowMs, horizonMs)
    const series = this.series.get(seriesId(key, region))
    return series === undefined ? 0 : this.expected(series, nowMs, horizonMs)
  }

  top (n: number, nowMs: number, horizonMs: number): DemandForecast[] {
    if (!Number.isSafeInteger(n) || n < 1 || n > this.options.maxSeries) {
      throw new InvalidForecastInputError(`top n must be an integer from 1 to maxSeries (${this.options.maxSeries}), got ${String(n)}`)
    }
    this.checkQuery(nowMs, horizonMs)
    const all: DemandForecast[] = []
    for (const series of this.series.values()) {
      const expected = this.expected(series, nowMs, horizonMs)
      if (expected > 0) all.push({ key: series.key, region: series.region, expected })
    }
    all.sort((a, b) => b.expected - a.expected || compare(a.key, b.key) || compare(a.region, b.region))
    return all.slice(0, n)
  }

  /** The model a forecast at `nowMs` uses for this series, and how many points it was fitted on; undefined when there is none yet. */
  model (key: string, region: string, nowMs: number): { spec: ModelSpec, points: number } | undefined {
    checkName('key', key)
    checkName('region', region)
    checkTime('nowMs', nowMs)
    const series = this.series.get(seriesId(key, region))
    if (series === undefined) return undefined
    const fitted = this.fittedThrough(series, Math.floor(nowMs / this.options.bucketMs) - 1)
    return fitted === undefined ? undefined : { spec: fitted.spec, points: fitted.points }
  }

  stats (): DemandForecasterStats {
    return { series: this.series.size, ...this.counts }
  }

  private checkQuery (nowMs: number, horizonMs: number): void {
    checkTime('nowMs', nowMs)
    const most = this.options.maxHorizonBuckets * this.options.bucketMs
    if (typeof horizonMs !== 'number' || !(horizonMs > 0 && horizonMs <= most)) {
      throw new InvalidForecastInputError(`horizonMs must be above 0 and at most maxHorizonBuckets * bucketMs (${most}), got ${String(horizonMs)}`)
    }
  }

  /**
   * Requests expected in (now, now + horizon]: each bucket's forecast (never
   * below zero) times the share of the bucket inside that interval, as if
   * requests came evenly within a bucket.
   */
  private expected (series: Series, nowMs: number, horizonMs: number): number {
    const { bucketMs } = this.options
    const current = Math.floor(nowMs / bucketMs)
    const endMs = nowMs + horizonMs
    const last = Math.ceil(endMs / bucketMs) - 1
    const fitted = this.fittedThrough(series, current - 1) ?? this.partial(series, current)
    if (fitted === undefined) return 0
    const perBucket = fitted.forecast(last - current + 1)
    let sum = 0
    for (let b = current; b <= last; b++) {
      const share = (Math.min(endMs, (b + 1) * bucketMs) - Math.max(nowMs, b * bucketMs)) / bucketMs
      sum += Math.max(0, perBucket[b - current] as number) * share
    }
    return sum
  }

  /**
   * A series younger than one complete bucket: its filling bucket taken as
   * if it were whole (the mean of one point), so a blob that is suddenly in
   * demand is not forecast at zero for the rest of the bucket.
   */
  private partial (series: Series, current: number): FittedModel | undefined {
    if (current < series.first || current > series.head) return undefined
    return meanModel([series.counts[current % this.options.maxBuckets] as number])
  }

  /** The model fitted on the series' complete buckets through `through`, or undefined when it has none. */
  private fittedThrough (series: Series, through: number): FittedModel | undefined {
    const { maxBuckets, seasonBuckets, refitEveryBuckets } = this.options
    const start = Math.max(series.first, through - maxBuckets + 1, series.head - maxBuckets + 1)
    const points = through - start + 1
    if (points < 1) return undefined
    if (series.model !== undefined && series.model.through === through && series.changedFrom > through) {
      this.counts.cacheHits++
      return series.model.fitted
    }
    const values = new Float64Array(points)
    for (let b = start; b <= through; b++) values[b - start] = b > series.head ? 0 : series.counts[b % maxBuckets] as number
    const kind = chooseModel(points, seasonBuckets)
    let fitted: FittedModel
    const previous = series.fitted
    if (previous !== undefined && previous.spec.kind === kind && Math.abs(through - previous.through) < refitEveryBuckets) {
      fitted = applyModel(values, previous.spec)
      this.counts.reruns++
    } else {
      fitted = fitSeries(values, { period: seasonBuckets })
      series.fitted = { spec: fitted.spec, through }
      this.counts.fits++
    }
    series.model = { fitted, through }
    series.changedFrom = Infinity
    return fitted
  }
}

function seriesId (key: string, region: string): string {
  return `${region.length}:${region}${key}`
}

function checkName (name: string, value: unknown): void {
  if (typeof value !== 'string' || value.length > FORECAST_MAX_STRING_CHARS || (name === 'key' && value.length === 0)) {
    throw new InvalidForecastInputError(`${name} must be a string of ${name === 'key' ? 1 : 0} to ${FORECAST_MAX_STRING_CHARS} characters`)
  }
}

function checkTime (name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new InvalidForecastInputError(`${name} must be a finite number of ms, at least 0, got ${String(value)}`)
  }
}

function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
