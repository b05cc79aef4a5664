import t from 'tap'
import { catalogWorkload, rolloutWorkload, syntheticCatalog, traceWorkload, type HostSpec, type WorkloadPlan } from '../../../sim/workload/index.js'
import { realCatalog } from './catalog-data.js'

const HOSTS: HostSpec[] = Array.from({ length: 9 }, (_v, i) => ({ name: `h${i}`, region: ['eu', 'us', 'ap'][i % 3]! }))
const json = (value: unknown): string => JSON.stringify(value)

t.test('catalog: the same seed gives the same plan; another seed another', async t => {
  // The real catalog when it is there; the synthetic one otherwise (the property is the same).
  const catalog = (await realCatalog()) ?? syntheticCatalog({ seed: 1 })
  const make = (seed: number): WorkloadPlan => catalogWorkload({ catalog, hosts: HOSTS, seed, durationMs: 600_000, pullsPerHostPerMinute: 2 })
  t.equal(json(make(42)), json(make(42)), 'same seed, same plan, byte for byte')
  const a = make(42)
  const b = make(43)
  t.not(json(a.pulls), json(b.pulls), 'another seed, other pulls')
  t.not(json(a.images.map(i => i.layers.map(l => l.seed))), json(b.images.map(i => i.layers.map(l => l.seed))), 'and other layer bytes')
  t.same(a.images.map(i => i.layers.map(l => [l.id, l.sizeBytes])), b.images.map(i => i.layers.map(l => [l.id, l.sizeBytes])), 'but the same structure')
})

t.test('rollout: the same seed gives the same plan; another seed another', async t => {
  const make = (seed: number): WorkloadPlan => rolloutWorkload({ image: { name: 'team/app', layers: [{ sizeBytes: 1000 }, { sizeBytes: 2000 }] }, hosts: HOSTS, windowMs: 10_000, seed })
  t.equal(json(make(1)), json(make(1)))
  t.not(json(make(1).pulls), json(make(2).pulls))
  t.not(json(make(1).images), json(make(2).images), 'layer seeds follow the plan seed')
})

t.test('trace: the same text and seed give the same plan; the seed only changes the bytes', async t => {
  const csv = 'ts_ms,client,blob,bytes\n5,c1,b1,100\n9,c2,b2,200\n7,c1,b2,200\n'
  const make = (seed: number): WorkloadPlan => traceWorkload(csv, { hosts: HOSTS, seed })
  t.equal(json(make(1)), json(make(1)))
  t.equal(json(make(1).pulls), json(make(2).pulls), 'the trace fixes the pulls')
  t.not(json(make(1).images), json(make(2).images))
})
