import t from 'tap'
import { MiB } from '../../../src/node/constants.js'
import {
  formatTraceCsv, generateTrace, hour, loadCatalog, PUBLISHED_TOP_LAYER_SHARE, syntheticCatalog, type Catalog,
  type GeneratedTrace
} from '../../../src/predict/trace/index.js'

const minuteOf = (ms: number): string => (ms / 60_000).toFixed(1)

// One default trace (a week, three regions) shared by the structure tests; the seed is printed so a failure can be replayed.
const SEED = Number(process.env.SHOAL_TEST_SEED ?? 7)
const catalog: Catalog = await loadCatalog({ seed: SEED })
const trace: GeneratedTrace = await generateTrace({ seed: SEED, catalog })
const at = `seed ${SEED} (replay with SHOAL_TEST_SEED=${SEED}), catalog ${catalog.source}`
t.comment(at)
t.comment(`stats: ${JSON.stringify(trace.stats)}`)

t.test('default size: 100k-300k rows over a week, sorted by time', async t => {
  const { requests, stats } = trace
  t.ok(requests.length >= 100_000 && requests.length <= 300_000, `${requests.length} rows (${at})`)
  t.equal(stats.rows, requests.length)
  t.equal(stats.manifestRows + stats.blobRows, stats.rows)
  t.equal(stats.manifestRows, stats.pulls, 'one manifest request per pull')
  t.ok(requests.every((r, i) => i === 0 || requests[i - 1]!.tsMs <= r.tsMs), 'sorted')
  const { startMs, durationMs } = trace.truth
  t.ok(requests[0]!.tsMs >= startMs && requests.at(-1)!.tsMs < startMs + durationMs, 'within [start, start + duration)')
})

t.test('the same seed gives the same bytes; another seed another trace', async t => {
  const again = await generateTrace({ seed: SEED, catalog })
  t.ok(formatTraceCsv(again.requests) === formatTraceCsv(trace.requests), 'same CSV text')
  t.equal(JSON.stringify(again.truth), JSON.stringify(trace.truth), 'same truth')
  const small = { durationMs: 6 * hour, hostsPerRegion: 5, pullsPerHour: 300, catalog }
  const a = formatTraceCsv((await generateTrace({ seed: 1, ...small })).requests)
  const b = formatTraceCsv((await generateTrace({ seed: 2, ...small })).requests)
  t.not(a, b)
  t.equal(formatTraceCsv((await generateTrace({ seed: 1, ...small })).requests), a)
})

t.test('images have the catalog\'s layers and sizes; shared layers stay shared; versions keep their base', async t => {
  const v0 = trace.truth.images.filter(i => i.version === 0)
  t.same(v0.map(i => i.repo), catalog.repos.map(r => r.name), 'version 0 of every repository, most pulled first')
  let mismatched = 0
  catalog.repos.forEach((r, i) => {
    const sizes = new Map(r.layers.map(l => [l.digest, l.sizeBytes]))
    const image = v0[i]!
    if (JSON.stringify(image.layers) !== JSON.stringify([...sizes.keys()])) mismatched++
    if (image.layers.some((l, j) => image.layerBytes[j] !== Math.max(1, sizes.get(l)!))) mismatched++
  })
  t.equal(mismatched, 0, 'layers and sizes as in the catalog')
  const users = (images: Array<{ layers: string[] }>): number => {
    const n = new Map<string, number>()
    for (const i of images) for (const l of i.layers) n.set(l, (n.get(l) ?? 0) + 1)
    return [...n.values()].filter(c => c > 1).length
  }
  t.equal(users(v0), users(catalog.repos.map(r => ({ layers: [...new Set(r.layers.map(l => l.digest))] }))), 'as many shared layers as the catalog')
  t.ok(users(v0) > 10, `${users(v0)} layers shared by several images`)

  const byId = new Map(trace.truth.images.map(i => [i.id, i]))
  t.ok(trace.truth.versions.length > 50, `${trace.truth.versions.length} versions released over the week`)
  for (const v of trace.truth.versions) {
    const image = byId.get(v.image)!
    const prev = byId.get(v.previous)!
    const kept = image.layers.length - v.newLayers.length
    if (!(v.newLayers.length >= 1 && v.newLayers.length <= 2 && image.layers.length === prev.layers.length &&
      image.layers.slice(0, kept).every((l, j) => l === prev.layers[j]) && (prev.layers.length === 1 || kept >= 1))) {
      t.fail(`${v.image}: new top layers on the same base (${at})`)
    }
    if (image.manifest === prev.manifest) t.fail(`${v.image}: a new manifest`)
  }
})

t.test('requested layer sizes follow the catalog\'s', async t => {
  const sizes = new Map<string, number>()
  for (const r of catalog.repos) for (const l of r.layers) sizes.set(l.digest, l.sizeBytes)
  const catalogShare = (limit: number): number => [...sizes.values()].filter(s => s < limit).length / sizes.size
  const requested = new Map<string, number>()
  for (const r of trace.requests) if (r.kind === 'blob') requested.set(r.blob, r.bytes)
  const share = (limit: number): number => [...requested.values()].filter(s => s < limit).length / requested.size
  for (const limit of [1 * MiB, 10 * MiB, 100 * MiB]) {
    t.ok(Math.abs(share(limit) - catalogShare(limit)) < 0.1, `under ${limit / MiB} MiB: ${share(limit).toFixed(3)} of requested layers, ${catalogShare(limit).toFixed(3)} in the catalog`)
  }
  t.equal(trace.stats.layersUnder1MiB, share(1 * MiB))
  const scaled = await generateTrace({ seed: SEED, catalog, scale: 0.01, durationMs: 6 * hour })
  const image = scaled.truth.images[0]!
  t.same(image.layerBytes, catalog.repos[0]!.layers.map(l => Math.max(1, Math.round(l.sizeBytes * 0.01))), 'scale multiplies layer sizes')
})

t.test('co-pulled groups: each layer request follows, within seconds, its client\'s manifest request of an image that has it', async t => {
  const byManifest = new Map(trace.truth.images.map(i => [i.manifest, i]))
  // A host may start a second pull while the first one's layers still arrive: any of its manifests in the last 15 s may own a layer.
  const recent = new Map<string, Array<{ tsMs: number, layers: Set<string> }>>()
  const pending = new Map<string, Set<string>>()
  let orphans = 0
  let maxDelayMs = 0
  let ephemeralPulls = 0
  for (const r of trace.requests) {
    const list = (recent.get(r.client) ?? []).filter(m => r.tsMs - m.tsMs < 15_000)
    recent.set(r.client, list)
    if (r.kind === 'manifest') {
      const image = byManifest.get(r.blob)
      if (image === undefined) { orphans++; continue }
      list.push({ tsMs: r.tsMs, layers: new Set(image.layers) })
      if (r.client.includes('-ci')) { ephemeralPulls++; pending.set(r.client, new Set(image.layers)) }
      continue
    }
    const owner = list.find(m => m.layers.has(r.blob))
    if (owner === undefined) { orphans++; continue }
    maxDelayMs = Math.max(maxDelayMs, r.tsMs - owner.tsMs)
    pending.get(r.client)?.delete(r.blob)
  }
  const ephemeralFull = [...pending.values()].filter(left => left.size === 0).length
  t.equal(orphans, 0, `no request outside a pull (${at})`)
  t.ok(maxDelayMs < 15_000, `layers follow their manifest within ${maxDelayMs} ms`)
  t.ok(ephemeralPulls > 1000, `${ephemeralPulls} pulls by ephemeral clients`)
  t.ok(ephemeralFull >= ephemeralPulls * 0.99, `an ephemeral client fetches every layer (${ephemeralFull} of ${ephemeralPulls}; the last pulls may be cut by the trace's end)`)
})

t.test('hosts are replaced now and then, and the new host asks again for base layers', async t => {
  const base = new Set(trace.truth.images.map(i => i.layers[0]!))
  const replaced = new Set<string>()
  const rerequests = trace.requests.filter(r => {
    const g = /-g(\d+)$/.exec(r.client)
    if (g === null || g[1] === '0') return false
    replaced.add(r.client)
    return r.kind === 'blob' && base.has(r.blob)
  })
  t.ok(replaced.size >= 50, `${replaced.size} replacement hosts made requests (${trace.stats.hostReplacements} replacements)`)
  t.ok(rerequests.length > 200, `${rerequests.length} base layer requests by replacement hosts`)
})

t.test('popularity is skewed: the 10% most requested layers get 60-80% of layer requests (within a tolerance)', async t => {
  const counts = new Map<string, number>()
  for (const r of trace.requests) if (r.kind === 'blob') counts.set(r.blob, (counts.get(r.blob) ?? 0) + 1)
  const sorted = [...counts.values()].sort((a, b) => b - a)
  const top = sorted.slice(0, Math.round(sorted.length * 0.1)).reduce((a, b) => a + b, 0)
  const share = top / sorted.reduce((a, b) => a + b, 0)
  t.ok(share >= PUBLISHED_TOP_LAYER_SHARE.min - 0.05 && share <= PUBLISHED_TOP_LAYER_SHARE.max + 0.05, `top 10% of ${sorted.length} layers: ${(share * 100).toFixed(1)}% of layer requests (${at})`)
  t.ok(Math.abs(trace.stats.topLayerShare - share) < 0.005, 'stats say the same')
  const flat = await generateTrace({ seed: SEED, catalog, popularityExponent: 0, durationMs: 2 * 24 * hour })
  t.ok(flat.stats.topLayerShare < share - 0.1, `without popularity the skew drops (${flat.stats.topLayerShare.toFixed(3)})`)
})

t.test('a daily cycle per region, shifted by its time zone, is visible in hourly counts', async t => {
  for (const region of trace.truth.regions) {
    const byLocalHour = new Array<number>(24).fill(0)
    for (const r of trace.requests) {
      if (r.kind !== 'manifest' || r.region !== region.name) continue
      byLocalHour[((Math.floor(r.tsMs / hour + region.utcOffsetHours) % 24) + 24) % 24]!++
    }
    const mean = (from: number, to: number): number => byLocalHour.slice(from, to).reduce((a, b) => a + b, 0) / (to - from)
    const day = mean(12, 17)
    const night = mean(0, 5)
    t.ok(day > 2.5 * night, `${region.name}: ${day.toFixed(0)} pulls per hour at 12-17 local, ${night.toFixed(0)} at 0-5 (${at})`)
    // The phase of the first harmonic is the peak of the cycle.
    let c = 0
    let s = 0
    byLocalHour.forEach((n, h) => { c += n * Math.cos(2 * Math.PI * h / 24); s += n * Math.sin(2 * Math.PI * h / 24) })
    const peak = ((Math.atan2(s, c) * 24 / (2 * Math.PI)) + 24) % 24 + 0.5
    t.ok(Math.abs(peak - trace.truth.peakLocalHour) < 1.5, `${region.name}: peaks at ${peak.toFixed(2)} local, planted ${trace.truth.peakLocalHour}`)
  }
  const flat = await generateTrace({ seed: SEED, catalog, dailyAmplitude: 0, durationMs: 3 * 24 * hour })
  for (const [region, ratio] of Object.entries(flat.stats.dailyPeakToTrough)) t.ok(ratio < 1.8, `amplitude 0: ${region} peak/trough ${ratio.toFixed(2)}`)
})

t.test('regions lag each other: a version reaches them in its rollout order, hours apart, and is first pulled there on arrival', async t => {
  const { truth } = trace
  const end = truth.startMs + truth.durationMs
  const manifestOf = new Map(truth.images.map(i => [i.id, i.manifest]))
  const first = new Map<string, number>()
  for (const r of trace.requests) {
    if (r.kind !== 'manifest') continue
    const key = `${r.blob}@${r.region!}`
    if (!first.has(key)) first.set(key, r.tsMs)
  }
  let checked = 0
  let early = 0
  for (const v of truth.versions) {
    const manifest = manifestOf.get(v.image)!
    for (const region of v.order) {
      const f = first.get(`${manifest}@${region}`)
      if (f !== undefined && f < v.releasedAtMs[region]!) early++
    }
    const complete = v.order.every(r => v.releasedAtMs[r]! + truth.rolloutWindowMs < end && v.rolloutHosts[r]! > 0)
    if (!complete) continue
    checked++
    const firsts = v.order.map(r => first.get(`${manifest}@${r}`)!)
    for (const [j, region] of v.order.entries()) {
      const release = v.releasedAtMs[region]!
      if (!(firsts[j]! >= release && firsts[j]! <= release + truth.rolloutWindowMs)) t.fail(`${v.image} in ${region}: first pulled at ${firsts[j]}, released ${release} (${at})`)
      if (j === 0) continue
      const lag = release - v.releasedAtMs[v.order[j - 1]!]!
      const seen = firsts[j]! - firsts[j - 1]!
      if (!(lag >= hour && Math.abs(seen - lag) <= truth.rolloutWindowMs)) t.fail(`${v.image}: ${region} ${minuteOf(seen)} min after ${v.order[j - 1]}, planted ${minuteOf(lag)} min (${at})`)
    }
  }
  t.equal(early, 0, 'no region pulls a version before it arrives there')
  t.ok(checked >= 30, `${checked} versions rolled out in full were checked`)
})

t.test('the published reuse-time figure is reported as a sanity check', async t => {
  const { stats } = trace
  t.type(stats.medianReuseMs, 'number')
  t.comment(`median layer reuse time ${minuteOf(stats.medianReuseMs!)} min (published: under 6 min to 78 min); within: ${stats.reuseWithinPublished}`)
  t.same(Object.keys(stats.medianReuseMsByRegion), trace.truth.regions.map(r => r.name))
})

t.test('targetRows finds a pull rate that gives about that many rows', async t => {
  const g = await generateTrace({ seed: SEED, catalog, durationMs: 2 * 24 * hour, targetRows: 30_000 })
  t.ok(Math.abs(g.requests.length - 30_000) <= 3000, `${g.requests.length} rows for 30000, in ${g.stats.calibrationPasses} passes at ${g.stats.pullsPerHour.toFixed(0)} pulls per hour`)
})

t.test('hosts that keep nothing ask for every layer of every pull', async t => {
  const g = await generateTrace({ seed: SEED, catalog, durationMs: 6 * hour, hostStoreBytes: 0, ephemeralShare: 0, versionsPerDay: 0 })
  const layersOf = new Map(g.truth.images.map(i => [i.manifest, i.layers.length]))
  const expected = g.requests.filter(r => r.kind === 'manifest').reduce((n, r) => n + layersOf.get(r.blob)!, 0)
  const cut = g.requests.filter(r => r.kind === 'manifest' && r.tsMs > g.truth.startMs + g.truth.durationMs - 15_000).length
  const got = g.stats.blobRows
  t.ok(got <= expected && got >= expected - cut * 21, `${got} layer requests for ${expected} layers pulled (pulls in the last seconds may be cut)`)
  t.ok(g.requests.every(r => !r.client.includes('-ci')), 'no ephemeral client')
  t.equal(g.truth.versions.length, 0)
})

t.test('without the shared catalog a synthetic one is used; a given catalog file has no fallback', async t => {
  const synthetic = syntheticCatalog({ seed: 3 })
  const g = await generateTrace({ seed: 1, catalog: synthetic, durationMs: 6 * hour })
  t.equal(g.stats.catalog.synthetic, true)
  t.same(g.truth.images.filter(i => i.version === 0).map(i => i.repo), synthetic.repos.map(r => r.name))
  await t.rejects(generateTrace({ seed: 1, catalogPath: '/nonexistent/catalog.json' }), { code: 'ENOENT' })
})

t.test('options are checked once, by name', async t => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{}, /^seed: undefined must be an integer/],
    [{ seed: 1, rows: 5 }, /unknown generateTrace option "rows"/],
    [{ seed: 1, pullsPerHour: 10, targetRows: 1000 }, /pullsPerHour and targetRows: give one/],
    [{ seed: 1, durationMs: 1000 }, /^durationMs: 1000 must be a whole number of ms from 1 hour/],
    [{ seed: 1, regions: 9 }, /^regions: 9 must be a whole number from 1 to 8/],
    [{ seed: 1, regions: [{ name: 'a b', utcOffsetHours: 0 }] }, /^regions\[0\]\.name/],
    [{ seed: 1, regions: [{ name: 'a', utcOffsetHours: 0 }, { name: 'a', utcOffsetHours: 1 }] }, /regions\[1\]\.name: a is used twice/],
    [{ seed: 1, regions: [{ name: 'a', utcOffsetHours: 20 }] }, /regions\[0\]\.utcOffsetHours: 20/],
    [{ seed: 1, scale: 0 }, /^scale: 0 must be a number > 0/],
    [{ seed: 1, rolloutLagMinMs: 10, rolloutLagMaxMs: 5 }, /^rolloutLagMaxMs: 5 must be a number of ms >= rolloutLagMinMs \(10\)/],
    [{ seed: 1, catalogPath: 'x', catalog: syntheticCatalog({ seed: 1 }) }, /catalogPath and catalog: give one/],
    [{ seed: 1, pullsPerHour: 1e7 }, /pulls is more than 5000000/]
  ]
  for (const [options, message] of bad) {
    const name = /pulls is more/.test(String(message)) ? 'TraceLimitError' : 'TraceOptionError'
    await t.rejects(generateTrace({ catalog, ...options } as never), { name, message }, JSON.stringify(options).slice(0, 80))
  }
  const ac = new AbortController()
  ac.abort()
  await t.rejects(generateTrace({ seed: 1, catalog, signal: ac.signal }), { name: 'AbortError' })
})
