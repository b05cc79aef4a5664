import t from 'tap'
import { EventQueue } from '../../../sim/raft/event-queue.js'
import { Network, bridgeCut, oneWayCut, symmetricCut } from '../../../sim/raft/network.js'
import { Prng } from '../../../sim/raft/prng.js'
import { makeScenario } from '../../../sim/raft/scenario.js'
import { SimStorage } from '../../../sim/raft/storage.js'
import type { Entry, Ready } from '../../../src/quorum/raft/index.js'

t.test('the PRNG replays from its seed and spreads evenly', async t => {
  const a = new Prng(42)
  const b = new Prng(42)
  const xs = Array.from({ length: 1000 }, () => a.next())
  t.same(Array.from({ length: 1000 }, () => b.next()), xs)
  t.not(new Prng(43).next(), xs[0])
  const buckets = new Array(10).fill(0)
  const r = new Prng(7)
  for (let i = 0; i < 100_000; i++) buckets[r.int(10)]++
  t.ok(buckets.every(n => n > 9500 && n < 10500), `uniform: ${buckets.join(' ')}`)
  const f1 = new Prng(1).fork()
  const f2 = new Prng(1).fork()
  t.equal(f1.next(), f2.next(), 'forks replay too')
})

t.test('the event queue orders by time, then by insertion', async t => {
  const q = new EventQueue<string>()
  q.push(5, 'c')
  q.push(1, 'a')
  q.push(5, 'd')
  q.push(3, 'b')
  q.push(5, 'e')
  const out: string[] = []
  for (let e = q.pop(); e != null; e = q.pop()) out.push(e.event)
  t.same(out, ['a', 'b', 'c', 'd', 'e'])
})

t.test('partitions: symmetric, one-way, bridge', async t => {
  t.same(symmetricCut(['a'], ['b', 'c']), [['a', 'b'], ['b', 'a'], ['a', 'c'], ['c', 'a']])
  t.same(oneWayCut(['a'], ['b']), [['a', 'b']])
  t.same(bridgeCut(['a', 'x'], 'x', ['b', 'x']), [['a', 'b'], ['b', 'a']], 'the bridge talks to both sides')
  const net = new Network(new Prng(1), { loss: 0, duplicate: 0, delayMs: 1, jitterMs: 0, spike: 0, spikeMs: 0 })
  net.cutLinks([['a', 'b']])
  net.cutLinks([['a', 'b']])
  t.same(net.route('a', 'b'), [])
  t.same(net.route('b', 'a'), [1])
  net.restoreLinks([['a', 'b']])
  t.equal(net.isCut('a', 'b'), true, 'overlapping cuts heal one at a time')
  net.restoreLinks([['a', 'b']])
  t.same(net.route('a', 'b'), [1])
})

t.test('the simulated disk loses exactly what was not synced', async t => {
  const e = (index: number, term: number): Entry => ({ index, term, kind: 'noop', data: new Uint8Array(0) })
  const ready = (entries: Entry[], commit: number): Ready => ({ entries, hardState: { term: 2, vote: 'a', commit }, mustSync: true, messages: [], committed: [], readStates: [] })
  const disk = new SimStorage()
  disk.write(ready([e(1, 1), e(2, 2)], 1))
  disk.sync()
  disk.write(ready([e(3, 2)], 3))
  t.equal(disk.dirty, true)
  disk.crash()
  const after = disk.load()
  t.same(after.entries.map(x => x.index), [1, 2])
  t.same(after.hardState, { term: 2, vote: 'a', commit: 1 })
  disk.write(ready([e(2, 3)], 1))
  disk.sync()
  t.same(disk.load().entries.map(x => `${x.index}/${x.term}`), ['1/1', '2/3'], 'a write from an index replaces what follows')
})

t.test('a scenario is a function of its seed', async t => {
  t.same(makeScenario(17), makeScenario(17))
  t.same([1, 2, 3, 4, 5, 6].map(s => makeScenario(s).founders.length), [3, 5, 1, 3, 5, 1], 'sizes cycle through 1, 3 and 5')
  t.equal(makeScenario(4, { nodes: 7 }).founders.length, 7)
  t.same(makeScenario(4, { bug: 'reply-before-persist' }).bugs, { replyBeforePersist: true })
})
