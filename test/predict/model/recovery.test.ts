/**
 * The rules and the forecasts recover the structure the trace generator
 * planted: which layers make up an image, and the daily cycle of pulls.
 */
import t from 'tap'
import { createDemandForecaster } from '../../../src/predict/forecast/index.js'
import { createRuleMiner } from '../../../src/predict/rules/index.js'
import { generateTrace } from '../../../src/predict/trace/index.js'

const hour = 3_600_000
const seed = Number(process.env.SEED ?? 5)

t.test(`rules and forecasts on a generated trace (seed ${seed})`, async t => {
  const { requests, truth } = await generateTrace({ seed, durationMs: 3 * 24 * hour, targetRows: 40_000 })
  const miner = createRuleMiner()
  const forecaster = createDemandForecaster()
  for (const r of requests) {
    miner.add(r)
    if (r.kind === 'manifest') forecaster.add('pulls', r.region ?? '-', r.tsMs)
  }
  const endMs = requests[requests.length - 1]!.tsMs + hour
  miner.refresh(endMs)

  const manifests = new Set(truth.images.map(i => i.manifest))
  const imagesOf = new Map<string, Set<string>>()
  for (const image of truth.images) {
    for (const layer of image.layers) {
      if (!imagesOf.has(layer)) imagesOf.set(layer, new Set())
      imagesOf.get(layer)!.add(image.id)
    }
  }

  // Every confident layer -> layer rule joins two layers of one image.
  let rules = 0
  let sameImage = 0
  for (const rule of miner.rules()) {
    const [a, b] = [rule.antecedent[0]!, rule.consequent[0]!]
    if (rule.antecedent.length !== 1 || manifests.has(a) || manifests.has(b) || rule.orderedConfidence < 0.6) continue
    rules++
    const ofB = imagesOf.get(b) ?? new Set()
    if ([...(imagesOf.get(a) ?? [])].some(id => ofB.has(id))) sameImage++
  }
  t.ok(rules >= 100, `${rules} confident layer rules`)
  t.ok(sameImage / rules >= 0.95, `${sameImage} of ${rules} join layers of one image`)

  // Images whose every layer was asked for often enough are found.
  const layerPulls = new Map<string, number>()
  for (const r of requests) if (r.kind === 'blob') layerPulls.set(r.blob, (layerPulls.get(r.blob) ?? 0) + 1)
  const often = truth.images.filter(i => i.layers.length >= 2 && Math.min(...i.layers.map(l => layerPulls.get(l) ?? 0)) >= 20)
  const found = often.filter(i => i.layers.some(l => miner.expect(l).some(x => x.orderedConfidence >= 0.6 && i.layers.includes(x.blob))))
  t.ok(often.length >= 20, `${often.length} images pulled often`)
  t.ok(found.length / often.length >= 0.8, `${found.length} of ${often.length} have a rule between their own layers`)

  // The next day's forecast has the planted daily cycle: its peak near the planted local hour.
  for (const region of truth.regions) {
    const perHour: number[] = []
    let before = 0
    for (let h = 1; h <= 24; h++) {
      const upTo = forecaster.forecast('pulls', region.name, endMs, h * hour)
      perHour.push(upTo - before)
      before = upTo
    }
    // Where the day's demand centres (a circular mean of the hours, weighted above the quietest):
    // a peak picked from a flat top moves with the noise, the centre does not.
    const low = Math.min(...perHour)
    let x = 0
    let y = 0
    perHour.forEach((n, h) => {
      const local = ((endMs + (h + 0.5) * hour) % (24 * hour)) / hour + region.utcOffsetHours
      x += (n - low) * Math.cos(2 * Math.PI * local / 24)
      y += (n - low) * Math.sin(2 * Math.PI * local / 24)
    })
    const centre = ((Math.atan2(y, x) * 24 / (2 * Math.PI)) % 24 + 24) % 24
    const distance = Math.min(Math.abs(centre - truth.peakLocalHour), 24 - Math.abs(centre - truth.peakLocalHour))
    t.ok(distance <= 1, `${region.name}: forecast demand centred at ${centre.toFixed(1)}h local, planted peak ${truth.peakLocalHour}h`)
    const trough = Math.min(...perHour)
    t.ok(Math.max(...perHour) >= 2 * Math.max(trough, 1e-9), `${region.name}: peak ${Math.max(...perHour).toFixed(0)} against trough ${trough.toFixed(0)} per hour`)
  }
})
