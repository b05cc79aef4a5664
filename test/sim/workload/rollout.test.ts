import t from 'tap'
import { rolloutWorkload, type HostSpec } from '../../../sim/workload/index.js'

const HOSTS: HostSpec[] = Array.from({ length: 20 }, (_v, i) => ({ name: `h${i}`, region: i < 10 ? 'eu' : 'us' }))

t.test('every host pulls the one image once, within the window, in time order', async t => {
  const plan = rolloutWorkload({ image: { name: 'team/app', tag: 'v2', layers: [{ sizeBytes: 5000 }, { id: 'base', sizeBytes: 7000, seed: 99 }] }, hosts: HOSTS, windowMs: 2000, seed: 4, startMs: 1000 })
  t.equal(plan.kind, 'rollout')
  t.equal(plan.pulls.length, 20)
  t.same(plan.pulls.map(p => p.hostName).sort(), HOSTS.map(h => h.name).sort(), 'each host once')
  t.ok(plan.pulls.every(p => p.image === 'team/app:v2' && p.layers === undefined))
  t.ok(plan.pulls.every(p => p.atMs >= 1000 && p.atMs < 3000), 'within [startMs, startMs + windowMs)')
  t.ok(plan.pulls.every((p, i) => i === 0 || plan.pulls[i - 1]!.atMs <= p.atMs), 'sorted')
  t.ok(plan.pulls.every(p => HOSTS[p.host]!.region === p.region))
  t.same(plan.images[0]!.layers.map(l => l.id), ['team/app/layer-0', 'base'], 'ids default from the name')
  t.equal(plan.images[0]!.layers[1]!.seed, 99, 'a given seed is kept')
  t.equal(plan.uniqueBytes, 12_000)
  t.equal(plan.pulledUniqueBytes, 12_000)
  t.equal(plan.durationMs, 3000)
})

t.test('a window of 0 starts every pull at once', async t => {
  const plan = rolloutWorkload({ image: { name: 'app', layers: [{ sizeBytes: 10 }] }, hosts: HOSTS, windowMs: 0, seed: 1 })
  t.ok(plan.pulls.every(p => p.atMs === 0))
  t.same(plan.pulls.map(p => p.host), HOSTS.map((_h, i) => i), 'ties in host order')
})

t.test('bad images and options are refused', async t => {
  const image = { name: 'app', layers: [{ sizeBytes: 10 }] }
  t.throws(() => rolloutWorkload({ image: { name: 'App!', layers: [{ sizeBytes: 1 }] }, hosts: HOSTS, windowMs: 1, seed: 1 }), { name: 'WorkloadOptionError', message: /not a valid repository name/ })
  t.throws(() => rolloutWorkload({ image: { name: 'app', layers: [] }, hosts: HOSTS, windowMs: 1, seed: 1 }), { message: /at least one layer/ })
  t.throws(() => rolloutWorkload({ image: { name: 'app', layers: [{ sizeBytes: 0 }] }, hosts: HOSTS, windowMs: 1, seed: 1 }), { message: /sizeBytes 0/ })
  t.throws(() => rolloutWorkload({ image, hosts: HOSTS, windowMs: -1, seed: 1 }), { message: /windowMs/ })
  t.throws(() => rolloutWorkload({ image, hosts: [{ name: '', region: 'x' }], windowMs: 1, seed: 1 }), { message: /non-empty name/ })
})
