import t from 'tap'
import {
  applyModel, chooseModel, fitHolt, fitHoltWinters, fitMean, fitSeries, fitSes, type ModelKind
} from '../../../src/predict/forecast/index.js'
import { minimiseInBox } from '../../../src/predict/forecast/optimise.js'
import { meanAbsoluteError, noisySeries, truthAt, type Truth } from './helpers.js'

const SEASONAL: Truth = { level: 100, trend: 0.5, amplitude: 30, period: 24 }
const base = Number(process.env.SEED ?? 1)

t.test('the initialisation from two seasons reproduces a noise-free trend plus season exactly', async t => {
  const y = noisySeries(SEASONAL, 72, 0, 1)
  // With no smoothing the states never move from their initial values, so the forecasts are the initialisation's.
  const model = applyModel(y, { kind: 'holt-winters', alpha: 0, beta: 0, gamma: 0, period: 24 })
  t.ok(Math.abs(model.trend - 0.5) < 1e-9, `trend ${model.trend}`)
  t.ok(model.sse < 1e-12, `no one-step error anywhere (sse ${model.sse})`)
  const error = Math.max(...model.forecast(48).map((v, h) => Math.abs(v - truthAt(SEASONAL, 72 + h))))
  t.ok(error < 1e-9, `48 forecasts exact (largest error ${error})`)
  t.ok(Math.abs(model.season.reduce((a, b) => a + b, 0)) < 1e-9, 'the seasonal terms sum to zero')
  t.ok(model.season.every((s, h) => Math.abs(model.level + (h + 1) * model.trend + s - (model.forecast(24)[h] as number)) < 1e-9), 'and come next point first')
})

t.test('Holt-Winters recovers level, trend and season through noise', async t => {
  // A week of hours, noise sigma 3: the next day's 24 forecasts against the noise-free truth.
  for (let seed = base; seed < base + 20; seed++) {
    const y = noisySeries(SEASONAL, 7 * 24, 3, seed)
    const model = fitHoltWinters(y, 24)
    const forecast = model.forecast(24)
    const errors = forecast.map((v, h) => Math.abs(v - truthAt(SEASONAL, y.length + h)))
    const mae = errors.reduce((a, b) => a + b) / errors.length
    const worst = Math.max(...errors)
    if (!(mae < 2.5 && worst < 7)) t.fail(`seed ${seed} (replay: SEED=${seed}): mean error ${mae.toFixed(2)} (< 2.5 wanted), worst ${worst.toFixed(2)} (< 7 wanted)`, { spec: model.spec })
    for (const p of ['alpha', 'beta', 'gamma'] as const) {
      if (!(model.spec[p] >= 0 && model.spec[p] <= 1)) t.fail(`seed ${seed}: ${p} = ${model.spec[p]} outside [0, 1]`)
    }
  }
  t.pass(`20 seeds from ${base}: every next-day forecast within 7 of the truth, mean error under 2.5 (noise sigma 3)`)
})

t.test('on a seasonal series Holt-Winters beats SES and Holt', async t => {
  for (let seed = base; seed < base + 10; seed++) {
    const y = noisySeries(SEASONAL, 7 * 24, 3, seed)
    const truth = (h: number): number => truthAt(SEASONAL, y.length + h)
    const hw = meanAbsoluteError(fitHoltWinters(y, 24).forecast(24), truth)
    const ses = meanAbsoluteError(fitSes(y).forecast(24), truth)
    const holt = meanAbsoluteError(fitHolt(y).forecast(24), truth)
    t.ok(hw * 4 < ses && hw * 4 < holt, `seed ${seed}: mean error HW ${hw.toFixed(2)}, SES ${ses.toFixed(2)}, Holt ${holt.toFixed(2)}`)
  }
})

t.test('Holt follows a trend; SES finds a level', async t => {
  for (let seed = base; seed < base + 10; seed++) {
    const trend: Truth = { level: 50, trend: 2, amplitude: 0, period: 24 }
    const y = noisySeries(trend, 30, 2, seed)
    const holt = fitHolt(y)
    const error = meanAbsoluteError(holt.forecast(10), h => truthAt(trend, 30 + h))
    t.ok(error < 4 && Math.abs(holt.trend - 2) < 0.3, `seed ${seed}: Holt 10 ahead within ${error.toFixed(2)} (< 4), trend ${holt.trend.toFixed(2)} (2 +- 0.3)`)
    const ses = meanAbsoluteError(fitSes(y).forecast(10), h => truthAt(trend, 30 + h))
    t.ok(error < ses, `seed ${seed}: and beats SES (${ses.toFixed(2)}) there`)

    const flat: Truth = { level: 40, trend: 0, amplitude: 0, period: 24 }
    const level = fitSes(noisySeries(flat, 30, 2, seed)).forecast(1)[0] as number
    t.ok(Math.abs(level - 40) < 2, `seed ${seed}: SES level ${level.toFixed(2)} within 2 of 40 (noise sigma 2)`)
  }
})

t.test('the chooser: Holt-Winters from two seasons, Holt from 8 points, SES from 3, else the mean', async t => {
  const expected: Array<[number, ModelKind]> = [
    [0, 'mean'], [1, 'mean'], [2, 'mean'], [3, 'ses'], [7, 'ses'], [8, 'holt'], [47, 'holt'], [48, 'holt-winters'], [336, 'holt-winters']
  ]
  for (const [points, kind] of expected) {
    t.equal(chooseModel(points, 24), kind, `${points} points, season 24`)
    if (points > 0) t.equal(fitSeries(noisySeries(SEASONAL, points, 3, points), { period: 24 }).spec.kind, kind, `fitSeries on ${points} points`)
  }
  t.equal(chooseModel(8, 4), 'holt-winters', 'a short season: two of them is 8 points')
  t.equal(chooseModel(7, 4), 'ses')
  t.equal(chooseModel(6, 3), 'holt-winters', 'two seasons of 3 come before Holt\'s 8 points')
})

t.test('degenerate series', async t => {
  const zeros = new Array<number>(72).fill(0)
  for (const model of [fitHoltWinters(zeros, 24), fitHolt(zeros), fitSes(zeros), fitMean(zeros)]) {
    t.same(model.forecast(5), [0, 0, 0, 0, 0], `${model.spec.kind}: all zeros forecast zeros`)
    t.equal(model.sse, 0)
  }
  const single = fitSeries([7], { period: 24 })
  t.match(single, { spec: { kind: 'mean' }, points: 1, level: 7 })
  t.same(single.forecast(3), [7, 7, 7], 'one point: the mean is that point')
  t.same(fitSeries(new Float64Array([5, 5, 5, 5]), { period: 24 }).forecast(2), [5, 5], 'a typed array, constant')

  for (const bad of [NaN, Infinity, -Infinity]) {
    t.throws(() => fitSeries([1, 2, bad, 4], { period: 24 }), { name: 'InvalidForecastInputError', message: /point 2/ }, String(bad))
    t.throws(() => fitHoltWinters([...zeros.slice(1), bad], 24), { name: 'InvalidForecastInputError' })
  }
  t.throws(() => fitSeries(['1'] as never, { period: 24 }), { name: 'InvalidForecastInputError' })
  t.throws(() => fitSeries([], { period: 24 }), { name: 'InvalidForecastInputError', message: /1 to/ })
  t.throws(() => fitHoltWinters(zeros.slice(0, 47), 24), { name: 'InvalidForecastInputError', message: /48/ }, 'Holt-Winters needs two seasons')
  t.throws(() => fitHolt([1, 2]), { name: 'InvalidForecastInputError', message: /3 to/ })
  t.throws(() => fitSeries([1], { period: 1 }), { name: 'InvalidForecastOptionError', message: /period/ })
  t.throws(() => fitSeries([1], { period: 24, alpha: 1 } as never), { name: 'InvalidForecastOptionError', message: /"alpha"/ })
  t.throws(() => applyModel([1, 2], { kind: 'ses', alpha: 2, beta: 0, gamma: 0, period: 0 }), { name: 'InvalidForecastOptionError', message: /alpha/ })
  t.throws(() => applyModel([1, 2], { kind: 'arima' as never, alpha: 0, beta: 0, gamma: 0, period: 0 }), { name: 'InvalidForecastOptionError', message: /arima/ })
  t.throws(() => single.forecast(0), { name: 'InvalidForecastInputError' })
})

t.test('the optimiser finds a minimum inside the box and on its edge', async t => {
  const inside = minimiseInBox(([x = 0, y = 0]) => (x - 0.33) ** 2 + (y - 0.71) ** 2, 2)
  t.ok(Math.abs((inside.point[0] as number) - 0.33) < 1e-3 && Math.abs((inside.point[1] as number) - 0.71) < 1e-3, `inside: ${inside.point}`)
  const edge = minimiseInBox(([x = 0, y = 0, z = 0]) => (x + 0.5) ** 2 + (y - 0.5) ** 2 + (z - 1.4) ** 2, 3)
  t.same(edge.point.map(v => Math.round(v * 1000) / 1000), [0, 0.5, 1], `clamped to the box: ${edge.point}`)
  t.ok(edge.evaluations <= 6 ** 3 + 4 + 200 * 5, `bounded work: ${edge.evaluations} evaluations`)
})
