import t from 'tap'
import { createPolicy, LfuPolicy } from '../../../src/predict/cache/index.js'
import { replay, ScriptedPrefetcher, trace } from './helpers.js'

t.test('LFU: hand-computed hits', async t => {
  // Capacity 3; blob(count) after each step.
  //  1 A miss A1            2 A hit A2              3 B miss A2 B1
  //  4 C miss A2 B1 C1      5 B hit A2 B2 C1
  //  6 D miss: the only count 1 is C -> -C: A2 B2 D1
  //  7 A hit A3 B2 D1       8 E miss -D: A3 B2 E1   9 C miss -E: A3 B2 C1
  // 10 B hit A3 B3 C1
  const run = replay(trace('A A B C B D A E C B'), createPolicy('lfu', { capacityBytes: 3 }), 3)
  t.same(run.hits, [0, 1, 0, 0, 1, 0, 1, 0, 0, 1])
  t.same(run.evicted, ['C', 'D', 'E'])
})

t.test('LFU: ties go to the least recent, and the count is in-cache (reset on eviction)', async t => {
  // Capacity 2.
  // 1 A miss A1     2 B miss A1 B1     3 A hit A2     4 B hit B2
  // 5 C miss: A2 and B2 tie; A was used last at step 3, B at 4 -> -A: B2 C1
  // 6 A miss: A's count starts again at 1; -C (count 1): B2 A1
  // 7 B hit B3 A1   8 C miss -A: B3 C1   9 A miss -C: B3 A1
  // (an LFU counting all history would keep A, requested 3 times, at step 8)
  const policy = createPolicy('lfu', { capacityBytes: 2 }) as LfuPolicy
  const run = replay(trace('A B A B C A B C A'), policy, 2)
  t.same(run.hits, [0, 0, 1, 1, 0, 0, 1, 0, 0])
  t.same(run.evicted, ['A', 'C', 'A', 'C'])
  t.equal(policy.countOf('B'), 3)
  t.equal(policy.countOf('A'), 1)
})

t.test('LFU: a prefetch is the insertion; its first request only refreshes recency', async t => {
  // Capacity 3. After A at 0 s, P is prefetched (count 1). 1 P hit: still 1, now more recent than A.
  // 2 B miss: A1 P1 B1. 3 C miss: the least recent of count 1 is A (used at 0 s) -> -A.
  const policy = createPolicy('lfu', { capacityBytes: 3 }) as LfuPolicy
  const run = replay(trace('A P B C'), policy, 3, { prefetcher: new ScriptedPrefetcher({ 0: [{ blob: 'P', bytes: 1 }] }), maxPrefetchBytesPerRequest: 1 })
  t.same(run.hits, [0, 1, 0, 0])
  t.same(run.evicted, ['A'])
  t.equal(policy.countOf('P'), 1)
})
