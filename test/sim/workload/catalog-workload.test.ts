import t from 'tap'
import { catalogWorkload, imageRef, syntheticCatalog, uniqueLayers, type Catalog, type HostSpec, type WorkloadPlan } from '../../../sim/workload/index.js'
import { realCatalog, withCatalog } from './catalog-data.js'

const MiB = 1024 * 1024
const KiB = 1024

function hostsOf (counts: Record<string, number>): HostSpec[] {
  return Object.entries(counts).flatMap(([region, n]) => Array.from({ length: n }, (_v, i) => ({ name: `${region}-${i}`, region })))
}

/** The p-quantile by nearest rank. */
function quantile (sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!
}

/** Spearman's rank correlation (no ties expected in the first argument). */
function spearman (xs: number[], ys: number[]): number {
  const rank = (v: number[]): number[] => {
    const order = v.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0])
    const r = new Array<number>(v.length)
    for (let i = 0; i < order.length;) {
      let j = i
      while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++
      for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2
      i = j + 1
    }
    return r
  }
  const rx = rank(xs)
  const ry = rank(ys)
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length
  const mx = mean(rx)
  const my = mean(ry)
  let num = 0; let dx = 0; let dy = 0
  for (let i = 0; i < xs.length; i++) { num += (rx[i]! - mx) * (ry[i]! - my); dx += (rx[i]! - mx) ** 2; dy += (ry[i]! - my) ** 2 }
  return num / Math.sqrt(dx * dy)
}

const HOSTS = hostsOf({ eu: 4, us: 4, ap: 4 })

withCatalog(t)('layer sizes are the catalog scaled, image by image; their quantiles follow', async t => {
  const catalog = (await realCatalog())!
  const scale = 1 / 200
  const plan = catalogWorkload({ catalog, hosts: HOSTS, seed: 1, durationMs: 60_000, scale, maxUniqueBytes: 1024 * MiB })
  t.equal(plan.catalog?.scale, scale)
  t.equal(plan.images.length, 145, 'every image fits 1 GiB at 1/200')
  plan.images.forEach((img, i) => {
    const repo = catalog.repos[i]!
    t.equal(img.name, repo.name)
    t.same(img.layers.map(l => l.sizeBytes), repo.layers.map(l => Math.max(4 * KiB, Math.round(l.sizeBytes * scale))), `${repo.name}: sizes`)
  })
  const planSizes = uniqueLayers(plan.images).map(l => l.sizeBytes).sort((a, b) => a - b)
  const distinct = new Map(catalog.repos.flatMap(r => r.layers.map(l => [l.digest, l.sizeBytes] as const)))
  const catalogScaled = [...distinct.values()].map(s => Math.max(4 * KiB, s * scale)).sort((a, b) => a - b)
  t.equal(planSizes.length, catalogScaled.length, 'one plan layer per distinct catalog layer')
  for (const p of [0.25, 0.5, 0.65, 0.8, 0.9, 0.99]) {
    const want = quantile(catalogScaled, p)
    const got = quantile(planSizes, p)
    t.ok(Math.abs(got - want) <= Math.max(1, want * 0.01), `p${p * 100}: ${got} bytes against the catalog's ${want.toFixed(0)} scaled`)
  }
  t.equal(plan.uniqueBytes, planSizes.reduce((a, b) => a + b, 0))
})

withCatalog(t)('shared layers stay shared: one id wherever the catalog has one digest', async t => {
  const catalog = (await realCatalog())!
  const plan = catalogWorkload({ catalog, hosts: HOSTS, seed: 1, durationMs: 60_000 })
  const idOf = new Map<string, Set<string>>()
  plan.images.forEach((img, i) => {
    catalog.repos[i]!.layers.forEach((l, j) => {
      const ids = idOf.get(l.digest) ?? new Set()
      ids.add(img.layers[j]!.id)
      idOf.set(l.digest, ids)
    })
  })
  t.ok([...idOf.values()].every(s => s.size === 1), 'each catalog layer has one id')
  t.equal(new Set([...idOf.values()].map(s => [...s][0])).size, idOf.size, 'distinct catalog layers have distinct ids')
  const users = new Map<string, Set<string>>()
  for (const img of plan.images) for (const l of img.layers) users.set(l.id, (users.get(l.id) ?? new Set()).add(img.name))
  t.equal([...users.values()].filter(s => s.size > 1).length, 57, 'the 57 layers the catalog shares are shared by the plan')
  const layers = plan.images.flatMap(i => i.layers)
  const seedOf = new Map<string, number>()
  for (const l of layers) {
    if (seedOf.has(l.id)) t.equal(l.seed, seedOf.get(l.id), `${l.id}: one seed`)
    seedOf.set(l.id, l.seed)
  }
  t.equal(new Set(seedOf.values()).size, seedOf.size, 'distinct layers, distinct seeds')
})

withCatalog(t)('unique bytes stay within the bound: by choosing the scale, or by leaving out the least pulled', async t => {
  const catalog = (await realCatalog())!
  const chosen = catalogWorkload({ catalog, hosts: HOSTS, seed: 1, durationMs: 60_000 })
  t.ok(chosen.uniqueBytes <= 256 * MiB, 'the default bound: 256 MiB')
  t.ok(chosen.uniqueBytes > 255 * MiB, 'and the scale is the largest that fits')
  t.ok(chosen.catalog!.scale > 1 / 100 && chosen.catalog!.scale < 1 / 90, `24.4 GB into 256 MiB: about 1/95 (got 1/${(1 / chosen.catalog!.scale).toFixed(1)})`)
  t.equal(chosen.catalog!.imagesDroppedToFit, 0)

  const given = catalogWorkload({ catalog, hosts: HOSTS, seed: 1, durationMs: 60_000, scale: 1 / 10, maxUniqueBytes: 64 * MiB })
  t.ok(given.uniqueBytes <= 64 * MiB)
  t.equal(given.catalog!.scale, 1 / 10, 'a given scale is kept')
  t.ok(given.catalog!.imagesDroppedToFit > 0)
  t.equal(given.images.length + given.catalog!.imagesDroppedToFit, 145)
  t.same(given.images.map(i => i.name), catalog.repos.slice(0, given.images.length).map(r => r.name), 'the most pulled are kept')

  const few = catalogWorkload({ catalog, hosts: HOSTS, seed: 1, durationMs: 60_000, maxImages: 10, scale: 1 / 200 })
  t.same(few.images.map(i => i.name), catalog.repos.slice(0, 10).map(r => r.name), 'maxImages: the top ones')
  t.ok(new Set(few.pulls.map(p => p.image)).size <= 10)
  t.throws(() => catalogWorkload({ catalog, hosts: HOSTS, seed: 1, durationMs: 60_000, maxImages: 1, minLayerBytes: 4096, maxUniqueBytes: 5000, scale: 1 }), { name: 'WorkloadOptionError', message: /most pulled image alone needs/ })
})

withCatalog(t)('popular images are pulled more, in proportion to their pull counts', async t => {
  const catalog = (await realCatalog())!
  const plan = catalogWorkload({ catalog, hosts: hostsOf({ eu: 10, us: 10 }), seed: 7, durationMs: 3_600_000, pullsPerHostPerMinute: 20 })
  t.ok(plan.pulls.length > 20_000, `${plan.pulls.length} pulls`)
  const counts = new Map<string, number>()
  for (const p of plan.pulls) counts.set(p.image, (counts.get(p.image) ?? 0) + 1)
  const pulled = plan.images.map(i => counts.get(imageRef(i)) ?? 0)
  const weights = catalog.repos.map(r => r.pullCount)
  const rho = spearman(weights, pulled)
  t.ok(rho > 0.85, `rank correlation of pulls with pull counts: ${rho.toFixed(3)}`)
  const total = weights.reduce((a, b) => a + b, 0)
  for (const i of [0, 1, 2, 10]) {
    const want = weights[i]! / total
    const got = pulled[i]! / plan.pulls.length
    t.ok(Math.abs(got - want) < 0.15 * want, `${plan.images[i]!.name}: ${(got * 100).toFixed(2)}% of pulls against ${(want * 100).toFixed(2)}% of pull counts`)
  }
  t.ok(pulled[0]! > 10 * pulled[Math.floor(pulled.length / 2)]!, 'the top image is pulled far more than the median one')
})

t.test('arrivals are Poisson per region: exponential gaps with the configured mean', async t => {
  const catalog = syntheticCatalog({ seed: 1 })
  const counts = { small: 5, mid: 10, big: 15 }
  const rate = 6
  const plan = catalogWorkload({ catalog, hosts: hostsOf(counts), seed: 11, durationMs: 3_600_000, pullsPerHostPerMinute: rate })
  for (const [region, n] of Object.entries(counts)) {
    const times = plan.pulls.filter(p => p.region === region).map(p => p.atMs)
    const gaps = times.slice(1).map((x, i) => x - times[i]!)
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length
    const want = 60_000 / (n * rate)
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length)
    // The standard error of the mean is want / sqrt(count): under 2.5% here; 4 of them is the tolerance.
    t.ok(Math.abs(mean - want) / want < 4 / Math.sqrt(gaps.length), `${region}: mean gap ${mean.toFixed(1)} ms against ${want} ms over ${gaps.length} gaps`)
    t.ok(Math.abs(sd / mean - 1) < 0.1, `${region}: coefficient of variation ${(sd / mean).toFixed(3)}, 1 for exponential gaps`)
    const hosts = new Set(plan.pulls.filter(p => p.region === region).map(p => p.hostName))
    t.equal(hosts.size, n, `${region}: every host of the region pulls`)
    t.ok([...hosts].every(h => h.startsWith(`${region}-`)), `${region}: only its own hosts`)
  }
  t.ok(plan.pulls.every((p, i) => i === 0 || plan.pulls[i - 1]!.atMs <= p.atMs), 'sorted by time')
  t.ok(plan.pulls.every(p => p.atMs >= 0 && p.atMs < 3_600_000), 'within the duration')
  t.ok(plan.pulls.every(p => plan.hosts[p.host]!.name === p.hostName && plan.hosts[p.host]!.region === p.region), 'host index, name and region agree')
})

t.test('a region added does not change the arrivals of the others', async t => {
  const catalog = syntheticCatalog({ seed: 1 })
  const a = catalogWorkload({ catalog, hosts: hostsOf({ eu: 3 }), seed: 5, durationMs: 600_000 })
  const b = catalogWorkload({ catalog, hosts: hostsOf({ eu: 3, us: 3 }), seed: 5, durationMs: 600_000 })
  t.same(b.pulls.filter(p => p.region === 'eu'), a.pulls)
})

t.test('options are checked, with the fix named', async t => {
  const catalog: Catalog = syntheticCatalog({ seed: 1 })
  const base = { catalog, hosts: HOSTS, seed: 1, durationMs: 60_000 }
  t.throws(() => catalogWorkload({ ...base, hosts: [] }), { name: 'WorkloadOptionError', message: /at least one/ })
  t.throws(() => catalogWorkload({ ...base, hosts: [{ name: 'a', region: 'x' }, { name: 'a', region: 'y' }] }), { message: /used twice/ })
  t.throws(() => catalogWorkload({ ...base, durationMs: 0 }), { message: /durationMs/ })
  t.throws(() => catalogWorkload({ ...base, scale: 0 }), { message: /scale: 0 must be > 0/ })
  t.throws(() => catalogWorkload({ ...base, seed: 1.5 }), { message: /seed/ })
  t.throws(() => catalogWorkload({ ...base, pullsPerHostPerMinute: -1 }), { message: /pullsPerHostPerMinute/ })
  t.throws(() => catalogWorkload({ ...base, maxImages: 0 }), { message: /maxImages/ })
  t.throws(() => catalogWorkload({ ...base, durationMs: 1e12 }), { message: /more than 1000000/ })
})

t.test('the plan is plain data: JSON gives it back unchanged', async t => {
  const plan: WorkloadPlan = catalogWorkload({ catalog: syntheticCatalog({ seed: 2 }), hosts: HOSTS, seed: 3, durationMs: 120_000 })
  t.equal(JSON.stringify(JSON.parse(JSON.stringify(plan))), JSON.stringify(plan))
  t.ok(plan.pulls.length > 0)
  t.equal(plan.catalog?.synthetic, true)
  t.ok(plan.pulledUniqueBytes <= plan.uniqueBytes)
})
