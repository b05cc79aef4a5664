import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { loadCatalog, parseCatalog, syntheticCatalog, type Catalog } from '../../../sim/workload/index.js'
import { CATALOG_PATH, withCatalog } from './catalog-data.js'

const MiB = 1024 * 1024

/** Distinct layer sizes, the bytes of all references and of distinct layers, and the layers per image. */
function shape (c: Catalog): { sizes: number[], refBytes: number, uniqueBytes: number, shared: number, layersPerImage: number[] } {
  const sizes = new Map<string, number>()
  const users = new Map<string, number>()
  let refBytes = 0
  for (const r of c.repos) {
    for (const l of r.layers) {
      sizes.set(l.digest, l.sizeBytes)
      refBytes += l.sizeBytes
    }
    for (const d of new Set(r.layers.map(l => l.digest))) users.set(d, (users.get(d) ?? 0) + 1)
  }
  const list = [...sizes.values()].sort((a, b) => a - b)
  return {
    sizes: list,
    refBytes,
    uniqueBytes: list.reduce((a, b) => a + b, 0),
    shared: [...users.values()].filter(n => n > 1).length,
    layersPerImage: c.repos.map(r => r.layers.length).sort((a, b) => a - b)
  }
}

const below = (sizes: number[], limit: number): number => sizes.filter(s => s < limit).length / sizes.length
const median = (xs: number[]): number => xs[Math.floor(xs.length / 2)]!

withCatalog(t)('the real catalog: the figures its README gives', async t => {
  const c = await loadCatalog({ file: CATALOG_PATH! })
  t.equal(c.synthetic, false)
  t.equal(c.source, CATALOG_PATH)
  t.equal(c.repos.length, 145, '145 images with layers')
  t.equal(c.reposWithoutLayers, 13)
  const s = shape(c)
  t.equal(c.repos.reduce((n, r) => n + r.layers.length, 0), 1068, 'layer references')
  t.equal(s.sizes.length, 858, 'distinct layers')
  t.equal(median(s.layersPerImage), 6, 'median layers per image')
  t.equal(s.layersPerImage.at(-1), 21)
  t.ok(Math.abs(s.refBytes / s.uniqueBytes - 1.30) < 0.01, `sharing saves 1.30x (got ${(s.refBytes / s.uniqueBytes).toFixed(3)})`)
  t.ok(c.repos.every(r => r.layers.every(l => Number.isSafeInteger(l.sizeBytes))), 'sizes are whole bytes (MiB x 2^20)')
  t.equal(c.repos[0]!.name, 'library/alpine', 'most pulled first')
  t.ok(c.repos.every((r, i) => i === 0 || c.repos[i - 1]!.pullCount >= r.pullCount))
})

withCatalog(t)('loadCatalog finds the shared catalog by itself', async t => {
  const c = await loadCatalog()
  t.equal(c.synthetic, false)
  t.equal(c.repos.length, 145)
})

t.test('without the shared data, loadCatalog falls back to a synthetic catalog and says why', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-catalog-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const c = await loadCatalog({ dirs: [dir], seed: 3 })
  t.equal(c.synthetic, true)
  t.match(c.source, /^synthetic \(seed 3; no catalog at .*catalog\/dockerhub-top150\.json\)$/)
  t.equal(JSON.stringify(c.repos), JSON.stringify(syntheticCatalog({ seed: 3 }).repos), 'the same as asked for directly')
})

t.test('the synthetic catalog has the published statistics, for every seed', async t => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const c = syntheticCatalog({ seed })
    const s = shape(c)
    const at = `seed ${seed}`
    t.equal(c.repos.length, 145, at)
    t.ok(Math.abs(below(s.sizes, 1 * MiB) - 0.65) < 0.06, `${at}: 65% of layers under 1 MB (got ${below(s.sizes, MiB).toFixed(3)})`)
    t.ok(Math.abs(below(s.sizes, 10 * MiB) - 0.80) < 0.06, `${at}: 80% under 10 MB (got ${below(s.sizes, 10 * MiB).toFixed(3)})`)
    t.ok(Math.abs(median(s.layersPerImage) - 6) <= 1, `${at}: median 6 layers per image (got ${median(s.layersPerImage)})`)
    t.ok(s.layersPerImage.at(-1)! <= 21, at)
    const saving = s.refBytes / s.uniqueBytes
    t.ok(saving > 1.1 && saving < 2.0, `${at}: sharing saves about 1.3x (got ${saving.toFixed(2)})`)
    t.ok(s.shared >= 20, `${at}: tens of layers are shared (got ${s.shared})`)
    const pulls = c.repos.map(r => r.pullCount)
    const ratio = pulls[0]! / median([...pulls].sort((a, b) => a - b))
    t.ok(ratio > 100 && ratio < 400, `${at}: the top is about 200x the median, as in the real catalog (got ${ratio.toFixed(0)})`)
  }
  // JSON text: tap's deep comparison of a thousand layers takes seconds.
  t.equal(JSON.stringify(syntheticCatalog({ seed: 9 })), JSON.stringify(syntheticCatalog({ seed: 9 })), 'same seed, same catalog')
  t.not(JSON.stringify(syntheticCatalog({ seed: 9 }).repos), JSON.stringify(syntheticCatalog({ seed: 10 }).repos), 'another seed, another catalog')
})

t.test('parseCatalog: entries without layers are counted, anything malformed names the entry', async t => {
  const ok = parseCatalog(JSON.stringify([
    { name: 'b', namespace: 'library', pull_count: 5, layers: [{ digest: 'sha256:aa', size: 1.5 }, { digest: 'sha256:bb', size: 0.25 }] },
    { name: 'a', namespace: 'library', pull_count: 50, layers: [{ digest: 'sha256:aa', size: 1.5 }] },
    { name: 'scratch', namespace: 'library', pull_count: 9 }
  ]), 'mem')
  t.same(ok, {
    source: 'mem',
    synthetic: false,
    reposWithoutLayers: 1,
    repos: [
      { name: 'library/a', pullCount: 50, layers: [{ digest: 'sha256:aa', sizeBytes: 1.5 * MiB }] },
      { name: 'library/b', pullCount: 5, layers: [{ digest: 'sha256:aa', sizeBytes: 1.5 * MiB }, { digest: 'sha256:bb', sizeBytes: 0.25 * MiB }] }
    ]
  })
  t.throws(() => parseCatalog('{', 'f.json'), { name: 'CatalogFormatError', message: /^f\.json: not JSON/ })
  t.throws(() => parseCatalog('{}', 'f.json'), { name: 'CatalogFormatError', message: /expected a JSON array/ })
  t.throws(() => parseCatalog('[{"name":"x","pull_count":1,"layers":[{"digest":"sha256:a"}]}]', 'f.json'), { message: /entry 0 \(x\) layer 0 has no size/ })
  t.throws(() => parseCatalog('[{"name":"x","layers":[]}]', 'f.json'), { message: /entry 0 \(x\) has no pull_count/ })
  t.throws(() => parseCatalog('[{"name":"x","pull_count":1}]', 'f.json'), { message: /no repository lists any layer/ })
  const dir = await mkdtemp(join(tmpdir(), 'shoal-catalog-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  await writeFile(join(dir, 'bad.json'), '[1]')
  await t.rejects(loadCatalog({ file: join(dir, 'bad.json') }), { name: 'CatalogFormatError', message: /bad\.json: entry 0 is not an object/ }, 'a given file has no fallback')
})
