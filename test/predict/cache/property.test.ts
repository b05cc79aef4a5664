import t from 'tap'
import { createPolicy, createPrefetcher, POLICY_NAMES, simulate, type PolicyName, type PrefetchCandidate, type Prefetcher } from '../../../src/predict/cache/index.js'
import type { TraceRequest } from '../../../src/predict/types.js'
import { BASE_SEED, prng, randomTrace } from './helpers.js'

function hitsOf (name: PolicyName, requests: TraceRequest[], capacityBytes: number): number {
  return simulate(requests, { capacityBytes, policy: createPolicy(name, { capacityBytes, requests }), warmupFraction: 0, checkInvariants: true }).hits
}

/** The fewest misses any demand cache of `c` blobs can have (exhaustive search, tiny traces only). */
function optimalMisses (blobs: string[], c: number): number {
  const memo = new Map<string, number>()
  const go = (i: number, cache: string[]): number => {
    if (i === blobs.length) return 0
    const key = `${i}|${[...cache].sort().join(',')}`
    const known = memo.get(key)
    if (known !== undefined) return known
    const x = blobs[i] as string
    let best: number
    if (cache.includes(x)) best = go(i + 1, cache)
    else if (cache.length < c) best = 1 + go(i + 1, [...cache, x])
    else best = 1 + Math.min(...cache.map(v => go(i + 1, [...cache.filter(b => b !== v), x])))
    memo.set(key, best)
    return best
  }
  return go(0, [])
}

t.test("Belady's hits >= LRU's, LFU's, ARC's and GDSF's on blobs of one size (seeded random traces)", async t => {
  let strictlyBetter = 0
  for (let k = 0; k < 200; k++) {
    const seed = BASE_SEED + k
    const requests = randomTrace(seed, 300, 5 + (seed % 40))
    const capacity = 1 + (seed % 12)
    const belady = hitsOf('belady', requests, capacity)
    for (const name of ['lru', 'lfu', 'arc', 'gdsf'] as const) {
      const other = hitsOf(name, requests, capacity)
      if (other > belady) {
        t.fail(`seed ${seed} (replay with CACHE_TEST_SEED=${seed}): ${name} ${other} hits > belady ${belady}, capacity ${capacity}`)
        return
      }
      if (other < belady) strictlyBetter++
    }
  }
  t.ok(strictlyBetter > 400, `Belady was strictly ahead in ${strictlyBetter} of 800 comparisons`)
})

t.test("Belady's misses are the optimum on tiny traces (exhaustive search)", async t => {
  for (let k = 0; k < 150; k++) {
    const seed = BASE_SEED + 1000 + k
    const requests = randomTrace(seed, 10 + (seed % 5), 3 + (seed % 4))
    const capacity = 1 + (seed % 3)
    const misses = requests.length - hitsOf('belady', requests, capacity)
    const best = optimalMisses(requests.map(r => r.blob), capacity)
    if (misses !== best) {
      t.fail(`seed ${seed} (replay with CACHE_TEST_SEED=${seed - 1000}): belady ${misses} misses, the optimum ${best}`)
      return
    }
  }
  t.pass('150 traces')
})

/** Suggests a few random blobs of the trace after each request, from its own seed. */
function randomPrefetcher (seed: number, requests: TraceRequest[]): Prefetcher {
  const next = prng(seed)
  return {
    name: 'random',
    observe () {},
    suggest (): PrefetchCandidate[] {
      return Array.from({ length: Math.floor(next() * 4) }, () => {
        const r = requests[Math.floor(next() * requests.length)] as TraceRequest
        return { blob: r.blob, bytes: r.bytes }
      })
    }
  }
}

t.test('the cache never holds more than its capacity, every policy, sizes and prefetches (seeded)', async t => {
  for (let k = 0; k < 40; k++) {
    const seed = BASE_SEED + 2000 + k
    const requests = randomTrace(seed, 400, 10 + (seed % 30), 1 + (seed % 50)).map((r, i) => i % 9 === 0 ? { ...r, kind: 'manifest' as const, client: `c${i % 3}` } : r)
    const capacity = 5 + (seed % 200)
    for (const name of POLICY_NAMES) {
      for (const prefetch of ['none', 'manifest', 'random'] as const) {
        const prefetcher = prefetch === 'random' ? randomPrefetcher(seed, requests) : createPrefetcher(prefetch)
        let worst = 0
        const run = (): ReturnType<typeof simulate> => simulate(requests, {
          capacityBytes: capacity,
          policy: createPolicy(name, { capacityBytes: capacity, requests }),
          prefetcher,
          maxPrefetchBytesPerRequest: Math.ceil(capacity / 3),
          checkInvariants: true,
          onStep: s => { worst = Math.max(worst, s.cachedBytes) }
        })
        const result = run()
        if (worst > capacity) {
          t.fail(`seed ${seed} (replay with CACHE_TEST_SEED=${seed - 2000}): ${name}+${prefetch} held ${worst} bytes in ${capacity}`)
          return
        }
        if (result.prefetchUsed > result.prefetched || result.wastedBytes < 0 || result.wastedBytes > result.prefetchedBytes || result.hits > result.requests) {
          t.fail(`seed ${seed}: ${name}+${prefetch} counters inconsistent: ${JSON.stringify(result)}`)
          return
        }
      }
    }
  }
  t.pass('40 traces x 5 policies x 3 prefetchers')
})

t.test('the same trace and policy give the same result', async t => {
  const requests = randomTrace(BASE_SEED, 2000, 80, 100)
  for (const name of POLICY_NAMES) {
    const once = (): unknown => simulate(requests, { capacityBytes: 1500, policy: createPolicy(name, { capacityBytes: 1500, requests }), prefetcher: createPrefetcher('manifest') })
    t.same(once(), once(), name)
  }
})
