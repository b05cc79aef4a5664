import t from 'tap'
import { createPolicy, GdsfPolicy } from '../../../src/predict/cache/index.js'
import { replay, trace } from './helpers.js'

t.test('GDSF: H = L + frequency / size, L rises to the evicted H (hand-computed)', async t => {
  // Capacity 10 bytes; A2 B5 C4 D3 (name:size). H per blob, L the clock.
  //  1 A miss H_A = 0 + 1/2 = 0.5             used 2
  //  2 B miss H_B = 0 + 1/5 = 0.2             used 7
  //  3 A hit  f=2, H_A = 0 + 2/2 = 1
  //  4 C miss: 11 > 10 -> -B (0.2), L = 0.2; H_C = 0.2 + 1/4 = 0.45      used 6
  //  5 B miss: 11 > 10 -> -C (0.45 < A's 1), L = 0.45; H_B = 0.65        used 7
  //    (LRU would have evicted A here, the least recent)
  //  6 D miss: fits, H_D = 0.45 + 1/3 = 0.783                            used 10
  //  7 C miss: -B (0.65), L = 0.65; H_C = 0.9                            used 9
  //  8 A hit  f=3, H_A = 0.65 + 3/2 = 2.15
  //  9 B miss: 14 > 10 -> -D (0.783) then -C (0.9), L = 0.9; H_B = 1.1  used 7
  // 10 D miss: fits, H_D = 0.9 + 1/3                                     used 10
  const policy = createPolicy('gdsf', { capacityBytes: 10 }) as GdsfPolicy
  const run = replay(trace('A:2 B:5 A:2 C:4 B:5 D:3 C:4 A:2 B:5 D:3'), policy, 10)
  t.same(run.hits, [0, 0, 1, 0, 0, 0, 0, 1, 0, 0])
  t.same(run.evicted, ['B', 'C', 'B', 'D', 'C'])
  t.equal(policy.inflation, 0.9)
  t.equal(policy.priorityOf('A'), 0.65 + 1.5)
  t.equal(policy.priorityOf('B'), 0.9 + 0.2)
  t.equal(policy.priorityOf('D'), 0.9 + 1 / 3)
  const lru = replay(trace('A:2 B:5 A:2 C:4 B:5 D:3 C:4 A:2 B:5 D:3'), createPolicy('lru', { capacityBytes: 10 }), 10)
  t.equal(lru.result.hits, 1, 'LRU loses A at step 5 and misses it at step 8')
})

t.test('GDSF: equal priorities go to the least recent', async t => {
  // Capacity 2, one size: A and B both have H = 1; C evicts A (the older), L = 1, H_C = 2;
  // then A evicts B (H 1, below C's 2)
  const run = replay(trace('A B C A'), createPolicy('gdsf', { capacityBytes: 2 }), 2)
  t.same(run.evicted, ['A', 'B'])
})
