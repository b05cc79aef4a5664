import t from 'tap'
import { BeladyPolicy, createPolicy, simulate } from '../../../src/predict/cache/index.js'
import { replay, req, trace } from './helpers.js'

t.test("Belady's MIN: hand-computed hits", async t => {
  // Capacity 3; indices 0..11: A B C D A B E A B C D E. "next" = index of the next request.
  //  1 A miss {A}   2 B miss {A B}   3 C miss {A B C}
  //  4 D miss: next A@4 B@5 C@9 -> -C {A B D}
  //  5 A hit (next @7)   6 B hit (next @8)
  //  7 E miss: next A@7 B@8 D@10 -> -D {A B E}
  //  8 A hit (never again)  9 B hit (never again)
  // 10 C miss: A, B never again, E@11; tie between A and B -> the least recent, A {B E C}
  // 11 D miss: B, C never again -> the least recent, B {E C D}
  // 12 E hit                                   -> 5 hits, 7 misses (LRU gets 2 here)
  const requests = trace('A B C D A B E A B C D E')
  const run = replay(requests, createPolicy('belady', { capacityBytes: 3, requests }), 3)
  t.same(run.hits, [0, 0, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1])
  t.same(run.evicted, ['C', 'D', 'A', 'B'])
  const lru = replay(requests, createPolicy('lru', { capacityBytes: 3 }), 3)
  t.equal(lru.result.hits, 2)
})

t.test('Belady: requests at the same time, and a request too large to cache', async t => {
  // Times: A@0 X@0 (too big) A@0 B@1 X@2 A@2 C@3 B@4; capacity 2.
  // A miss, X skipped, A hit (same ms, the next occurrence), B miss {A B},
  // X skipped, A hit (A never again), C miss: A never again, B@7 -> -A, B hit.
  const requests = [req(0, 'A'), req(0, 'X', 5), req(0, 'A'), req(1, 'B'), req(2, 'X', 5), req(2, 'A'), req(3, 'C'), req(4, 'B')]
  const policy = createPolicy('belady', { capacityBytes: 2, requests }) as BeladyPolicy
  const run = replay(requests, policy, 2)
  t.same(run.hits, [0, 0, 1, 0, 0, 1, 0, 1])
  t.same(run.evicted, ['A'])
  t.equal(policy.nextUseOf('B'), Infinity)
})

t.test('Belady refuses a trace other than its own', async t => {
  const built = trace('A B C')
  t.throws(() => simulate(trace('A D C'), { capacityBytes: 2, policy: createPolicy('belady', { capacityBytes: 2, requests: built }), warmupFraction: 0 }), { name: 'TraceMismatchError' })
  t.throws(() => createPolicy('belady', { capacityBytes: 2 }), { name: 'InvalidCacheOptionError', message: /requests/ })
})

t.test('belady-size: it evicts a big blob needed soon before a small one needed a little later; with one size it is MIN', async t => {
  const { BeladyPolicy } = await import('../../../src/predict/cache/belady.js')
  // Capacity 6. t0 A5 miss, t1 b1 miss -> [A b] 6. t2 d2 miss, needs 2 more bytes.
  // MIN evicts the farthest next use first: b (t4), then A (t3) to make room, so b misses at t4: no hit.
  // belady-size weighs (time to next use + 1) x size: A (3-2+1)*5 = 10 > b (4-2+1)*1 = 3, so it evicts A,
  // which frees 5: b stays and hits at t4.
  const r = trace('A:5 b:1 d:2 A:5 b:1')
  t.same(replay(r, new BeladyPolicy(r), 6).hits, [0, 0, 0, 0, 0])
  t.same(replay(r, new BeladyPolicy(r, true), 6).hits, [0, 0, 0, 0, 1])
  // With one size the weights are the distances: the same choices as MIN.
  const same = trace('a:1 b:1 c:1 d:1 a:1 b:1 e:1 a:1 b:1 c:1 d:1 e:1')
  t.same(replay(same, new BeladyPolicy(same, true), 3).hits, replay(same, new BeladyPolicy(same), 3).hits)
  t.equal(createPolicy('belady-size', { capacityBytes: 1, requests: r }).name, 'belady-size')
})
