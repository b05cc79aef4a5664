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
