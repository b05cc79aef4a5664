import t from 'tap'
import { catalogWorkload, DEFAULT_DURATION_MS, DEFAULT_MAX_UNIQUE_BYTES, DEFAULT_PULLS_PER_HOST_PER_MINUTE, MIN_LAYER_BYTES, syntheticCatalog } from '../../../sim/workload/index.js'

t.test('the documented defaults are the constants, and the generators use them', async t => {
  t.equal(MIN_LAYER_BYTES, 4 * 1024, '4 KiB')
  t.equal(DEFAULT_MAX_UNIQUE_BYTES, 256 * 1024 * 1024, '256 MiB')
  t.equal(DEFAULT_PULLS_PER_HOST_PER_MINUTE, 1)
  t.equal(DEFAULT_DURATION_MS, 5 * 60_000, '5 minutes')
  const plan = catalogWorkload({ catalog: syntheticCatalog({ seed: 1 }), hosts: [{ name: 'a', region: 'r' }], seed: 1 })
  t.ok(plan.uniqueBytes <= DEFAULT_MAX_UNIQUE_BYTES && plan.uniqueBytes > DEFAULT_MAX_UNIQUE_BYTES * 0.99, 'fills the default bound')
  t.equal(Math.min(...plan.images.flatMap(i => i.layers.map(l => l.sizeBytes))), MIN_LAYER_BYTES, 'tiny layers are raised to the minimum')
  t.equal(plan.durationMs, DEFAULT_DURATION_MS)
  t.equal(plan.catalog!.pullsPerHostPerMinute, DEFAULT_PULLS_PER_HOST_PER_MINUTE)
})
