import { readFile } from 'node:fs/promises'
import t from 'tap'
import * as constants from '../../../src/predict/priority/constants.js'
import { computePriorities, parseWeights, type LayerOutlook } from '../../../src/predict/priority/index.js'

const rttMs = {
  eu: { eu: 2, us: 80, ap: 150 },
  us: { us: 2, ap: 220 },
  ap: { ap: 2 }
}
const distances = { rttMs, originRttMs: { eu: 100, us: 20, ap: 240 } }
const D = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`

t.test('the documented defaults are the constants', async t => {
  const doc = await readFile(new URL('../../../src/predict/priority/index.ts', import.meta.url), 'utf8')
  const found = [...doc.matchAll(/@default ([A-Z_]+) \((-?[\d.]+)\)/g)]
  t.ok(found.length >= 4)
  for (const [, name, value] of found) t.equal(String((constants as Record<string, unknown>)[name!]), value, String(name))
})

t.test('usage is log-scaled against the round\'s busiest layer', async t => {
  const layers: LayerOutlook[] = [
    { digest: D(1), demandByRegion: { eu: 99 }, cachedRegions: ['eu'] },
    { digest: D(2), demandByRegion: { eu: 9 }, cachedRegions: ['eu'] },
    { digest: D(3), demandByRegion: {}, cachedRegions: [] }
  ]
  const [a, b, c] = computePriorities(layers, { distances, weights: { usage: 1, threat: 0, proximity: 0 } })
  t.equal(a!.digest, D(1))
  t.equal(a!.usage, 1)
  t.equal(b!.usage, Math.log(10) / Math.log(100))
  t.equal(c!.usage, 0)
  t.equal(c!.proximity, 0, 'nothing demanded: nothing far')
  t.equal(a!.proximity, 0, 'demand where the copy is')
})

t.test('proximity: demand weighted by the distance to the nearest copy, or the origin', async t => {
  // max distance in the table: 240 (ap to origin).
  const [p] = computePriorities([{ digest: D(1), demandByRegion: { ap: 3, eu: 1 }, cachedRegions: ['eu'] }], { distances })
  // ap: nearest copy eu at 150 (origin 240 is farther); eu: 0.
  t.equal(p!.proximity, (3 * 150 + 1 * 0) / (4 * 240))
  const [q] = computePriorities([{ digest: D(1), demandByRegion: { ap: 1 }, cachedRegions: [] }], { distances })
  t.equal(q!.proximity, 1, 'no copy anywhere: as far as the origin, the farthest')
  const [r] = computePriorities([{ digest: D(1), demandByRegion: { us: 1 }, cachedRegions: ['ap'] }], { distances })
  t.equal(r!.proximity, 20 / 240, 'the origin is nearer than the only copy')
})

t.test('the formula with the weights; risk lowers priority by default', async t => {
  const layers: LayerOutlook[] = [
    { digest: D(1), demandByRegion: { eu: 10 }, threat: 0.9, cachedRegions: ['eu'] },
    { digest: D(2), demandByRegion: { eu: 10 }, threat: 0, cachedRegions: ['eu'] }
  ]
  const [first, second] = computePriorities(layers, { distances })
  t.equal(first!.digest, D(2), 'the clean layer first')
  t.equal(second!.priority, 1 * constants.DEFAULT_W_USAGE + 0.9 * constants.DEFAULT_W_THREAT)
  const w = { usage: 0.5, threat: 2, proximity: 3 }
  const [x] = computePriorities([{ digest: D(1), demandByRegion: { ap: 1 }, threat: 0.5, cachedRegions: [] }], { distances, weights: w })
  t.equal(x!.priority, 1 * 0.5 + 0.5 * 2 + 1 * 3)
  t.match(x!.reason, /demand 1 .*threat 0.5, proximity 1/)
})

t.test('deterministic order: ties by digest', async t => {
  const layers = [3, 1, 2].map(n => ({ digest: D(n), demandByRegion: { eu: 1 }, cachedRegions: ['eu'] }))
  t.same(computePriorities(layers, { distances }).map(p => p.digest), [D(1), D(2), D(3)])
})

t.test('bad input is refused with the field named', async t => {
  t.throws(() => computePriorities([{ digest: D(1), demandByRegion: { eu: -1 }, cachedRegions: [] }]), { name: 'InvalidPriorityInputError', message: /demandByRegion\.eu: -1/ })
  t.throws(() => computePriorities([{ digest: D(1), demandByRegion: {}, threat: 2, cachedRegions: [] }]), { message: /threat: 2 must be in \[0, 1\]/ })
  t.throws(() => computePriorities([], { weights: { usage: Number.NaN } }), { message: /weights\.usage/ })
  t.throws(() => computePriorities([{ digest: D(1), demandByRegion: {}, cachedRegions: [] }], { distances: { rttMs: { eu: { us: -5 } } } }), { message: /rttMs\.eu\.us/ })
  t.throws(() => computePriorities([{ digest: '', demandByRegion: {}, cachedRegions: [] }]), { message: /digest/ })
})

t.test('weights from the command line', async t => {
  t.same(parseWeights('0.6, -0.25 ,0.4'), { usage: 0.6, threat: -0.25, proximity: 0.4 })
  t.throws(() => parseWeights('1,2'), { name: 'InvalidPriorityInputError', message: /three numbers/ })
  t.throws(() => parseWeights('1,x,2'), { message: /three numbers/ })
  t.throws(() => parseWeights('1,2,1000'), { message: /weights\.proximity/ })
})
