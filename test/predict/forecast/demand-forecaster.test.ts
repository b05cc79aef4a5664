import { readFile } from 'node:fs/promises'
import t from 'tap'
import * as constants from '../../../src/predict/forecast/constants.js'
import { createDemandForecaster, type DemandForecasterInit } from '../../../src/predict/forecast/index.js'
import { gaussian } from './helpers.js'
import { uniform } from '../rules/helpers.js'

const minute = 60_000
const hour = 60 * minute
const day = 24 * hour
const base = Number(process.env.SEED ?? 1)

/** Requests an hour with a daily cycle: 20 on average, 32 at 6:00, 8 at 18:00. */
const rate = (hourOfTrace: number): number => 20 + 12 * Math.sin(2 * Math.PI * hourOfTrace / 24)

t.test('a week of a daily cycle, one request at a time: the next hours within tolerance', async t => {
  for (let seed = base; seed < base + 5; seed++) {
    const noise = gaussian(seed)
    const when = uniform(seed)
    const forecaster = createDemandForecaster()
    for (let h = 0; h < 7 * 24; h++) {
      const requests = Math.max(0, Math.round(rate(h) + 2 * noise()))
      const times = Array.from({ length: requests }, () => h * hour + Math.floor(when() * hour)).sort((a, b) => a - b)
      for (const ts of times) forecaster.add('sha256:layer', 'eu', ts)
    }
    const now = 7 * day
    t.match(forecaster.model('sha256:layer', 'eu', now), { spec: { kind: 'holt-winters', period: 24 }, points: 168 }, `seed ${seed}`)
    const nextHour = forecaster.forecast('sha256:layer', 'eu', now, hour)
    t.ok(Math.abs(nextHour - rate(0)) < 3, `seed ${seed}: next hour ${nextHour.toFixed(2)}, truth ${rate(0)} (+- 3)`)
    const sixHours = forecaster.forecast('sha256:layer', 'eu', now, 6 * hour)
    const truth = [0, 1, 2, 3, 4, 5].reduce((sum, h) => sum + rate(h), 0)
    t.ok(Math.abs(sixHours - truth) < 10, `seed ${seed}: next 6 hours ${sixHours.toFixed(1)}, truth ${truth.toFixed(1)} (+- 10)`)
    const evening = forecaster.forecast('sha256:layer', 'eu', now, 19 * hour) - forecaster.forecast('sha256:layer', 'eu', now, 18 * hour)
    t.ok(Math.abs(evening - rate(18)) < 4, `seed ${seed}: 18:00-19:00 ${evening.toFixed(2)}, truth ${rate(18)} (+- 4): the season, not the level`)
    const half = forecaster.forecast('sha256:layer', 'eu', now + 30 * minute, 30 * minute)
    t.ok(Math.abs(half - nextHour / 2) < 1e-9, `seed ${seed}: the second half of the hour is half the hour's forecast`)
  }
})

t.test('the chooser inside: mean, SES, Holt, Holt-Winters as the history grows', async t => {
  const forecaster = createDemandForecaster()
  for (let h = 0; h < 48; h++) forecaster.add('k', '', h * hour + 1, 5)
  for (const [buckets, kind] of [[2, 'mean'], [5, 'ses'], [10, 'holt'], [47, 'holt'], [48, 'holt-winters']] as const) {
    t.match(forecaster.model('k', '', buckets * hour), { spec: { kind }, points: buckets }, `${buckets} complete buckets`)
  }
  t.match(forecaster.model('k', '', 30 * minute), undefined, 'no complete bucket yet')
  t.equal(forecaster.forecast('k', '', 5 * hour, 2 * hour), 10, 'a constant 5 an hour')
})

t.test('a series younger than a bucket is forecast from its filling bucket', async t => {
  const forecaster = createDemandForecaster()
  for (let i = 0; i < 10; i++) forecaster.add('new', 'us', 2 * day + i * minute)
  // The 10 requests so far taken as the hour's: the rest of this hour and half the next.
  t.equal(forecaster.forecast('new', 'us', 2 * day + 30 * minute, hour), 10)
  t.equal(forecaster.forecast('new', 'us', 2 * day - 1, hour), 0, 'before the series began')
  t.equal(forecaster.forecast('unknown', 'us', 2 * day, hour), 0, 'an unknown series')
})

t.test('the fitted parameters are cached and refitted at most every refitEveryBuckets', async t => {
  const forecaster = createDemandForecaster({ refitEveryBuckets: 3 })
  for (let h = 0; h < 72; h++) forecaster.add('k', 'r', h * hour, 10 + (h % 24))
  const at = (ms: number): number => forecaster.forecast('k', 'r', ms, hour)
  at(72 * hour)
  t.match(forecaster.stats(), { fits: 1, reruns: 0, cacheHits: 0 })
  at(72 * hour)
  t.match(forecaster.stats(), { fits: 1, reruns: 0, cacheHits: 1 }, 'the same question: the cached model')
  forecaster.add('k', 'r', 72 * hour + 10 * minute)
  at(72 * hour + 20 * minute)
  t.match(forecaster.stats(), { fits: 1, reruns: 0, cacheHits: 2 }, 'a count in the filling bucket changes no complete bucket')
  forecaster.add('k', 'r', 50 * hour, 100)
  const changed = at(72 * hour + 20 * minute)
  t.match(forecaster.stats(), { fits: 1, reruns: 1, cacheHits: 2 }, 'a late count in an old bucket: the states rerun with the same parameters')
  t.ok(changed > 0, 'and a forecast is still given')
  at(73 * hour)
  t.match(forecaster.stats(), { fits: 1, reruns: 2 }, 'a bucket completed: rerun')
  at(74 * hour + 59 * minute)
  t.match(forecaster.stats(), { fits: 1, reruns: 3 }, '2 buckets after the fit: rerun')
  at(75 * hour)
  t.match(forecaster.stats(), { fits: 2, reruns: 3 }, '3 buckets after the fit: refit')
})

t.test('a series that stops being pulled is forecast down', async t => {
  const forecaster = createDemandForecaster()
  for (let h = 0; h < 72; h++) forecaster.add('gone', 'r', h * hour, 10)
  const before = forecaster.forecast('gone', 'r', 72 * hour, hour)
  const after = forecaster.forecast('gone', 'r', 96 * hour, hour)
  t.ok(Math.abs(before - 10) < 1e-6, `10 an hour while pulled (${before})`)
  t.ok(after < 1, `a day of silence (zeros, not missing buckets) later: ${after.toFixed(3)}`)
  const muchLater = forecaster.forecast('gone', 'r', 60 * day, hour)
  t.equal(muchLater, 0, 'beyond the ring: only zeros are left')
})

t.test('top: the highest expected first, zeros left out', async t => {
  const forecaster = createDemandForecaster()
  const rates: Array<[string, string, number]> = [['a', 'r1', 30], ['b', 'r1', 10], ['c', 'r1', 20], ['a', 'r2', 5], ['z', 'r1', 0]]
  for (let h = 0; h < 12; h++) for (const [key, region, perHour] of rates) forecaster.add(key, region, h * hour, perHour)
  const top = forecaster.top(3, 12 * hour, hour)
  t.same(top.map(f => `${f.key}@${f.region}`), ['a@r1', 'c@r1', 'b@r1'])
  t.ok(Math.abs((top[0]?.expected ?? 0) - 30) < 1e-6, 'constant series forecast their rate')
  t.same(forecaster.top(10, 12 * hour, hour).map(f => f.key), ['a', 'c', 'b', 'a'], 'z, forecast 0, is left out')
})

t.test('bounds: series evicted least recently added to first, counts older than the ring ignored', async t => {
  const forecaster = createDemandForecaster({ maxSeries: 2, maxBuckets: 48 })
  forecaster.add('a', 'r', 0)
  forecaster.add('b', 'r', 1)
  forecaster.add('a', 'r', 2)
  forecaster.add('c', 'r', 3)
  t.match(forecaster.stats(), { series: 2, evictedSeries: 1 })
  t.equal(forecaster.forecast('b', 'r', 30 * minute, hour), 0, 'b was evicted')
  t.ok(forecaster.forecast('a', 'r', 30 * minute, hour) > 0, 'a, added to since, was kept')

  forecaster.add('c', 'r', 100 * hour)
  forecaster.add('c', 'r', 52 * hour)
  forecaster.add('c', 'r', 53 * hour)
  t.equal(forecaster.stats().lateCounts, 1, 'bucket 52 is 48 buckets before 100: out of the ring')
})

t.test('input is checked: NaN and negative counts, bad names, horizons', async t => {
  const forecaster = createDemandForecaster()
  t.throws(() => forecaster.add('k', 'r', 0, NaN), { name: 'InvalidForecastInputError', message: /count/ })
  t.throws(() => forecaster.add('k', 'r', 0, -1), { name: 'InvalidForecastInputError', message: /count/ })
  t.throws(() => forecaster.add('k', 'r', NaN), { name: 'InvalidForecastInputError', message: /tsMs/ })
  t.throws(() => forecaster.add('k', 'r', -5), { name: 'InvalidForecastInputError', message: /tsMs/ })
  t.throws(() => forecaster.add('', 'r', 0), { name: 'InvalidForecastInputError', message: /key/ })
  t.throws(() => forecaster.add('k', undefined as never, 0), { name: 'InvalidForecastInputError', message: /region/ })
  t.throws(() => forecaster.forecast('k', 'r', 0, 0), { name: 'InvalidForecastInputError', message: /horizonMs/ })
  t.throws(() => forecaster.forecast('k', 'r', 0, 7 * day + 1), { name: 'InvalidForecastInputError', message: /horizonMs/ })
  t.throws(() => forecaster.forecast('k', 'r', Infinity, hour), { name: 'InvalidForecastInputError', message: /nowMs/ })
  t.throws(() => forecaster.top(0, 0, hour), { name: 'InvalidForecastInputError', message: /top n/ })
  t.equal(forecaster.stats().series, 0, 'nothing refused was recorded')
  forecaster.add('zeros', 'r', 0, 0)
  for (let h = 1; h < 60; h++) forecaster.add('zeros', 'r', h * hour, 0)
  t.equal(forecaster.forecast('zeros', 'r', 60 * hour, 6 * hour), 0, 'all zeros forecast zero')
  t.equal(forecaster.top(5, 60 * hour, hour).length, 0)
})

t.test('options are checked when the forecaster is built', async t => {
  const bad: Array<[DemandForecasterInit, RegExp]> = [
    [{ bucket: 5 } as unknown as DemandForecasterInit, /"bucket".*bucketMs/],
    [{ bucketMs: 0 }, /bucketMs/],
    [{ seasonBuckets: 1 }, /seasonBuckets/],
    [{ maxSeries: 1.5 }, /maxSeries/],
    [{ maxBuckets: 47 }, /maxBuckets \(47\) must be at least 2 \* seasonBuckets/],
    [{ refitEveryBuckets: -1 }, /refitEveryBuckets/],
    [{ maxHorizonBuckets: NaN }, /maxHorizonBuckets/]
  ]
  for (const [init, message] of bad) t.throws(() => createDemandForecaster(init), { name: 'InvalidForecastOptionError', message }, JSON.stringify(init))
  t.doesNotThrow(() => createDemandForecaster({ seasonBuckets: 7, maxBuckets: 14, bucketMs: day }))
})

t.test('the defaults documented in index.ts are the constants', async t => {
  const source = await readFile(new URL('../../../src/predict/forecast/index.ts', import.meta.url), 'utf8')
  const UNIT: Record<string, number> = { '': 1, hour }
  const documented = [...source.matchAll(/@default ([A-Z_]+) \(([\d.]+)(?: ([a-z]+))?\)/g)]
  t.equal(documented.length, 6, 'every option documents its default')
  for (const [, name = '', value = '', unit = ''] of documented) {
    const actual = (constants as Record<string, unknown>)[name]
    t.equal(actual, Number(value) * (UNIT[unit] ?? NaN), `${name} = ${value} ${unit}`)
  }
  t.same([constants.FORECAST_MIN_SEASONS, constants.FORECAST_MIN_HOLT_POINTS, constants.FORECAST_MIN_SES_POINTS], [2, 8, 3], 'the chooser\'s thresholds as index.ts states them')
})
