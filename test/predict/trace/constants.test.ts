import { readFileSync } from 'node:fs'
import t from 'tap'
import * as constants from '../../../src/predict/trace/constants.js'
import * as trace from '../../../src/predict/trace/index.js'
import * as simWorkload from '../../../sim/workload/index.js'
import { readCsv as simReadCsv } from '../../../sim/workload/csv.js'

const UNIT: Record<string, number> = { '': 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, h: constants.hour, day: constants.day, days: constants.day }

t.test('the values index.ts gives for the constants are the constants', async t => {
  const source = readFileSync(new URL('../../../src/predict/trace/index.ts', import.meta.url), 'utf8')
  const named = [...source.matchAll(/\b([A-Z][A-Z0-9_]+) \(([\d.,]+)(?: (KiB|MiB|GiB|h|days?))?\)/g)]
  t.ok(named.length >= 15, `${named.length} documented values`)
  for (const [, name = '', value = '', unit = ''] of named) {
    const actual = (constants as Record<string, unknown>)[name]
    t.equal(actual, Number(value.replaceAll(',', '')) * UNIT[unit]!, `${name} = ${value} ${unit}`)
  }
  t.equal(constants.GEN_DEFAULT_START_MS, Date.parse('2024-01-01T00:00:00Z'))
  t.equal(new Date(constants.GEN_DEFAULT_START_MS).getUTCDay(), 1, 'a Monday, as documented')
  t.match(source, /GEN_DEFAULT_START_MS \(2024-01-01T00:00Z, a Monday\)/)
  t.same(trace.GEN_REGION_PRESETS.slice(0, constants.GEN_DEFAULT_REGIONS).map(r => r.name), ['us-east', 'eu-west', 'ap-south'], 'the default regions are the simulator topology\'s')
})

t.test('the simulator re-uses the reader and the catalog loader moved here', async t => {
  t.equal(simReadCsv, trace.readCsv)
  t.equal(simWorkload.loadCatalog, trace.loadCatalog)
  t.equal(simWorkload.parseCatalog, trace.parseCatalog)
  t.equal(simWorkload.syntheticCatalog, trace.syntheticCatalog)
  t.equal(simWorkload.findCatalogFile, trace.findCatalogFile)
  t.same(simWorkload.sharedDataCandidates(), trace.sharedDataCandidates(), 'the catalog is looked for in the same places')
  t.equal(simWorkload.CATALOG_FILE, constants.CATALOG_FILE)
  t.equal(simWorkload.MAX_CATALOG_BYTES, constants.MAX_CATALOG_BYTES)
})

t.test('the prediction seeds draw what the simulator\'s draw', async t => {
  for (const seed of [0, 1, 42, 2 ** 31 + 5]) {
    const a = new trace.Rng(trace.deriveSeed(seed, 'x'))
    const b = new simWorkload.Rng(simWorkload.deriveSeed(seed, 'x'))
    t.same(Array.from({ length: 5 }, () => a.uint32()), Array.from({ length: 5 }, () => b.uint32()), `seed ${seed}`)
  }
})

t.test('the catalog is found where the simulator finds it; without it, a synthetic one says why', async t => {
  const file = trace.findCatalogFile()
  if (file === undefined) {
    t.comment(`no catalog in ${trace.sharedDataCandidates().join(', ')}: only the fallback is checked`)
  } else {
    const c = await trace.loadCatalog()
    t.equal(c.source, file)
    t.equal(c.repos.length, 145)
  }
  const c = await trace.loadCatalog({ dirs: ['/nonexistent'], seed: 4 })
  t.equal(c.synthetic, true)
  t.match(c.source, /^synthetic \(seed 4; no catalog at \/nonexistent\/catalog\/dockerhub-top150\.json\)$/)
  const ac = new AbortController()
  ac.abort()
  await t.rejects(trace.loadCatalog({ signal: ac.signal }), { name: 'AbortError' })
  t.throws(() => trace.parseCatalog('{', 'f.json'), { name: 'CatalogFormatError', message: /^f\.json: not JSON/ })
})
