import t from 'tap'
import { createPolicy } from '../../../src/predict/cache/index.js'
import { replay, trace } from './helpers.js'

t.test('LRU: hand-computed hits, one size', async t => {
  // Capacity 3 blobs; the cache shown least recent first after each step.
  //  1 A miss [A]        2 B miss [A B]       3 C miss [A B C]
  //  4 A hit  [B C A]    5 D miss -B [C A D]  6 B miss -C [A D B]
  //  7 E miss -A [D B E] 8 A miss -D [B E A]  9 B hit [E A B]
  // 10 C miss -E [A B C]
  const run = replay(trace('A B C A D B E A B C'), createPolicy('lru', { capacityBytes: 3 }), 3)
  t.same(run.hits, [0, 0, 0, 1, 0, 0, 0, 0, 1, 0])
  t.same(run.evicted, ['B', 'C', 'A', 'D', 'E'])
  t.equal(run.result.hits, 2)
  t.equal(run.result.evictions, 5)
})

t.test('LRU: variable sizes, several evictions for one blob, a blob bigger than the cache', async t => {
  // Capacity 10 bytes; name:size.
  // 1 A6 miss [A] 6     2 B3 miss [A B] 9      3 B hit [A B] 9
  // 4 C4 miss: 13 > 10, -A -> [B C] 7          5 B hit [C B] 7
  // 6 A6 miss: 13 > 10, -C -> [B A] 9          7 D10 miss: -B -A -> [D] 10 (exactly full)
  // 8 E11 miss, bigger than the cache: served, not cached, nothing evicted
  // 9 D hit [D] 10     10 E11 miss again
  const run = replay(trace('A:6 B:3 B:3 C:4 B:3 A:6 D:10 E:11 D:10 E:11'), createPolicy('lru', { capacityBytes: 10 }), 10)
  t.same(run.hits, [0, 0, 1, 0, 1, 0, 0, 0, 1, 0])
  t.same(run.evicted, ['A', 'C', 'B', 'A'])
  t.same(run.steps.map(s => s.cachedBytes), [6, 9, 9, 7, 7, 9, 10, 10, 10, 10])
  const r = run.result
  t.equal(r.requests, 10)
  t.equal(r.bytes, 6 + 3 + 3 + 4 + 3 + 6 + 10 + 11 + 10 + 11)
  t.equal(r.hitBytes, 3 + 3 + 10)
  t.equal(r.originBytes, r.bytes - r.hitBytes, 'without prefetch the origin sends every missed byte')
  t.equal(r.byteHitRatio, 16 / 67)
  t.equal(r.hitRatio, 0.3)
  t.equal(r.precision, null)
  t.equal(r.coverage, 0)
  t.equal(r.wastedBytes, 0)
})

t.test('LRU: a cache of 0 bytes caches nothing but blobs of 0 bytes', async t => {
  const run = replay(trace('A A Z:0 Z:0'), createPolicy('lru', { capacityBytes: 0 }), 0)
  t.same(run.hits, [0, 0, 0, 1])
})
