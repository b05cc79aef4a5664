import t from 'tap'
import { createPolicy, simulate, type EvictionPolicy } from '../../../src/predict/cache/index.js'
import { replay, req, ScriptedPrefetcher, trace } from './helpers.js'

// Capacity 10 bytes, LRU, at most 9 prefetched bytes per request. Times in seconds; cache least recent first.
// t0 M1 (manifest) miss [M]; prefetch X2 Y3 Z4 -> [M X Y Z] 10
// t1 X hit: the prefetch of X is used (1)                          [M Y Z X]
// t2 W3 miss: 13 > 10 -> -M, -Y (Y unused: 3 wasted bytes)        [Z X W] 9
// t3 Z hit: used (2)                                              [X W Z]
// t4 Y3 miss (it was evicted): -X                                 [W Z Y] 10
// t5 Q1 miss: -W                                                  [Z Y Q] 8
//    suggestions Z (cached: skipped, protected), R2 (fits) -> [Z Y Q R] 10,
//    S8 (2 + 8 > 9: the budget is spent, stop), U1 (never looked at)
// t6 R hit: used (3); suggestion T1: 11 > 10 -> -Z (R protected) -> [Y Q R T] 7
// t7 R hit (already used: not counted again). T is never requested: 1 more wasted byte.
const SCRIPT = {
  0: [{ blob: 'X', bytes: 2 }, { blob: 'Y', bytes: 3 }, { blob: 'Z', bytes: 4 }],
  5000: [{ blob: 'Z', bytes: 4 }, { blob: 'R', bytes: 2 }, { blob: 'S', bytes: 8 }, { blob: 'U', bytes: 1 }],
  6000: [{ blob: 'T', bytes: 1 }]
}
const PREFETCH_TRACE = 'm:M:1 X:2 W:3 Z:4 Y:3 Q:1 R:2 R:2'

t.test('prefetch accounting on a hand case', async t => {
  const prefetcher = new ScriptedPrefetcher(SCRIPT)
  const run = replay(trace(PREFETCH_TRACE), createPolicy('lru', { capacityBytes: 10 }), 10, { prefetcher, maxPrefetchBytesPerRequest: 9, manifests: 'cache' })
  t.same(run.hits, [0, 1, 0, 1, 0, 0, 1, 1])
  t.same(run.steps.map(s => s.prefetched), [['X', 'Y', 'Z'], [], [], [], [], ['R'], ['T'], []])
  t.same(run.evicted, ['M', 'Y', 'X', 'W', 'Z'])
  t.same(prefetcher.observed.map(o => o.hit ? 1 : 0), run.hits, 'the prefetcher saw every request and how it went')
  t.same(run.result, {
    requests: 8,
    hits: 4,
    hitRatio: 0.5,
    bytes: 1 + 2 + 3 + 4 + 3 + 1 + 2 + 2,
    hitBytes: 2 + 4 + 2 + 2,
    byteHitRatio: 10 / 18,
    originBytes: (1 + 3 + 3 + 1) + (2 + 3 + 4 + 2 + 1),
    prefetched: 5,
    prefetchedBytes: 12,
    prefetchUsed: 3,
    precision: 3 / 5,
    coverage: 3 / (3 + 4),
    wastedBytes: 3 + 1,
    evictions: 5,
    warmupRequests: 0
  })
})

t.test('the warm-up trains the cache but is not counted', async t => {
  // Same case, the request at t0 in the warm-up (warmupMs 1): its prefetches are not counted, and
  // the hits on X and Z are plain hits. Counted: prefetched R2, T1; used R -> precision 1/2;
  // misses W, Y, Q -> coverage 1 / (1 + 3); wasted T (1).
  const result = simulate(trace(PREFETCH_TRACE), { capacityBytes: 10, policy: createPolicy('lru', { capacityBytes: 10 }), prefetcher: new ScriptedPrefetcher(SCRIPT), maxPrefetchBytesPerRequest: 9, warmupMs: 1, manifests: 'cache' })
  t.match(result, {
    requests: 7,
    warmupRequests: 1,
    hits: 4,
    bytes: 17,
    originBytes: 3 + 3 + 1 + 3,
    prefetched: 2,
    prefetchedBytes: 3,
    prefetchUsed: 1,
    precision: 0.5,
    coverage: 0.25,
    wastedBytes: 1,
    evictions: 5
  })

  // By default the first 20% of the time span: 0..100 s, so requests before 20 s are not counted.
  const requests = Array.from({ length: 101 }, (_, i) => req(i * 1000, `b${i % 7}`))
  const byDefault = simulate(requests, { capacityBytes: 3, policy: createPolicy('lru', { capacityBytes: 3 }) })
  t.equal(byDefault.warmupRequests, 20)
  t.equal(byDefault.requests, 81)
  const hitsCounted = simulate(requests, { capacityBytes: 7, policy: createPolicy('lru', { capacityBytes: 7 }), warmupFraction: 0.5 })
  t.equal(hitsCounted.hits, hitsCounted.requests, 'a warm cache of every blob hits every counted request')
  const cold = simulate(requests, { capacityBytes: 7, policy: createPolicy('lru', { capacityBytes: 7 }), warmupFraction: 0 })
  t.equal(cold.requests - cold.hits, 7, 'without warm-up the 7 first requests are counted misses')
})

t.test('a prefetch that does not fit beside the protected blobs is skipped, not made room for', async t => {
  // Capacity 5: A4 requested, then B2 suggested: A is protected, 5 - 4 < 2 -> skipped, A stays.
  const run = replay(trace('A:4 A:4'), createPolicy('lru', { capacityBytes: 5 }), 5, { prefetcher: new ScriptedPrefetcher({ 0: [{ blob: 'B', bytes: 2 }, { blob: 'C', bytes: 1 }] }) , maxPrefetchBytesPerRequest: 5 })
  t.same(run.steps[0]?.prefetched, ['C'], 'the next candidate that fits is taken')
  t.same(run.hits, [0, 1])
  t.equal(run.result.prefetched, 1)
})

t.test('admission control: a refused demand miss is served but not kept', async t => {
  const lru = createPolicy('lru', { capacityBytes: 10 })
  const picky: EvictionPolicy = {
    name: 'picky',
    onHit: (b, s, n) => { lru.onHit(b, s, n) },
    onInsert: (b, s, n, c) => { lru.onInsert(b, s, n, c) },
    victim: (n, p) => lru.victim(n, p),
    onEvict: b => { lru.onEvict(b) },
    admit: blob => blob !== 'big'
  }
  const run = replay(trace('big:5 big:5 small small'), picky, 10)
  t.same(run.hits, [0, 0, 0, 1])
  t.equal(run.result.originBytes, 11)
})

t.test('a policy that breaks its contract is named', async t => {
  const liar = (answer: string | undefined): EvictionPolicy => ({ name: 'liar', onHit () {}, onInsert () {}, onEvict () {}, victim: () => answer })
  t.throws(() => replay(trace('A B C'), liar('Z'), 2), { name: 'PolicyContractError', message: /liar chose Z.*not cached/ })
  t.throws(() => replay(trace('A:1 B:1'), liar('B'), 2, { prefetcher: new ScriptedPrefetcher({ 1000: [{ blob: 'C', bytes: 1 }] }), maxPrefetchBytesPerRequest: 2 }), { name: 'PolicyContractError', message: /protected/ })
  // Nothing evictable: the miss is served, not cached; the cache stays within its capacity.
  const stuck = replay(trace('A B C A'), liar(undefined), 2)
  t.same(stuck.hits, [0, 0, 0, 1])
  t.same(stuck.steps.map(s => s.cachedBytes), [1, 2, 2, 2])
  t.throws(() => replay(trace('A'), createPolicy('lru', { capacityBytes: 2 }), 2, { prefetcher: new ScriptedPrefetcher({ 0: [{ blob: '', bytes: 1 }] }) }), { name: 'PolicyContractError', message: /scripted suggested/ })
})

t.test('requests are checked as they are replayed', async t => {
  const policy = (): EvictionPolicy => createPolicy('lru', { capacityBytes: 5 })
  t.throws(() => simulate([req(5, 'A'), req(4, 'B')], { capacityBytes: 5, policy: policy() }), { name: 'InvalidTraceRequestError', message: /request 1 \(B\) at 4 ms comes before/ })
  t.throws(() => simulate([req(5, 'A', -1)], { capacityBytes: 5, policy: policy() }), { name: 'InvalidTraceRequestError', message: /bytes -1/ })
  t.throws(() => simulate([req(5, 'A', 1.5)], { capacityBytes: 5, policy: policy() }), { name: 'InvalidTraceRequestError' })
  t.throws(() => simulate([req(5, '')], { capacityBytes: 5, policy: policy() }), { name: 'InvalidTraceRequestError', message: /no blob id/ })
  t.throws(() => simulate([req(NaN, 'A')], { capacityBytes: 5, policy: policy() }), { name: 'InvalidTraceRequestError' })
  t.same(simulate([], { capacityBytes: 5, policy: policy() }), {
    requests: 0, hits: 0, hitRatio: 0, bytes: 0, hitBytes: 0, byteHitRatio: 0, originBytes: 0, prefetched: 0, prefetchedBytes: 0, prefetchUsed: 0, precision: null, coverage: null, wastedBytes: 0, evictions: 0, warmupRequests: 0
  })
})

t.test('options are checked before the run, naming the option', async t => {
  const policy = createPolicy('lru', { capacityBytes: 5 })
  const requests = trace('A B')
  const bad: Array<[object, RegExp]> = [
    [{ capacityBytes: -1, policy }, /capacityBytes/],
    [{ capacityBytes: 1.5, policy }, /capacityBytes/],
    [{ capacityBytes: 5 }, /policy lacks onHit, onInsert, victim, onEvict/],
    [{ capacityBytes: 5, policy, prefetcher: {} }, /prefetcher lacks observe, suggest/],
    [{ capacityBytes: 5, policy, warmupMs: 1, warmupFraction: 0.1 }, /not both/],
    [{ capacityBytes: 5, policy, warmupFraction: 1 }, /warmupFraction/],
    [{ capacityBytes: 5, policy, warmupMs: -1 }, /warmupMs/],
    [{ capacityBytes: 5, policy, maxPrefetchBytesPerRequest: -2 }, /maxPrefetchBytesPerRequest/],
    [{ capacityBytes: 5, policy, warmup: 3 }, /unknown simulate option "warmup"; known options: capacityBytes/]
  ]
  for (const [options, message] of bad) {
    t.throws(() => simulate(requests, options as Parameters<typeof simulate>[1]), { name: 'InvalidCacheOptionError', message }, JSON.stringify(options))
  }
  t.throws(() => createPolicy('fifo' as 'lru', { capacityBytes: 5 }), { name: 'InvalidCacheOptionError', message: /unknown policy "fifo"; known policies: lru, lfu, arc, gdsf, belady/ })
  t.throws(() => createPolicy('arc', { capacityBytes: -5 }), { name: 'InvalidCacheOptionError', message: /capacityBytes/ })
})

t.test('an aborted signal stops the run', async t => {
  const controller = new AbortController()
  controller.abort(new Error('enough'))
  t.throws(() => simulate(trace('A B'), { capacityBytes: 5, policy: createPolicy('lru', { capacityBytes: 5 }), signal: controller.signal }), /enough/)
  // Aborted mid-run (by a prefetcher, the only code that runs during a replay): seen within SIGNAL_CHECK_REQUESTS requests.
  const midway = new AbortController()
  const requests = Array.from({ length: 10_000 }, (_, i) => req(i, `b${i % 50}`))
  let seen = 0
  t.throws(() => simulate(requests, {
    capacityBytes: 5,
    policy: createPolicy('lru', { capacityBytes: 5 }),
    prefetcher: { name: 'aborter', observe: () => { if (++seen === 100) midway.abort(new Error('stop')) }, suggest: () => [] },
    signal: midway.signal
  }), /stop/)
  t.ok(seen < 10_000, `stopped after ${seen} requests`)
})
