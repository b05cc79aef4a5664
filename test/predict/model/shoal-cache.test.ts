import { readFile } from 'node:fs/promises'
import t from 'tap'
import { createPolicy, simulate, uniqueBytes } from '../../../src/predict/cache/index.js'
import * as constants from '../../../src/predict/model/constants.js'
import { createShoalCachePolicy } from '../../../src/predict/model/index.js'
import { generateTrace } from '../../../src/predict/trace/index.js'
import type { TraceRequest } from '../../../src/predict/types.js'

const minute = 60_000

t.test('the documented defaults are the constants', async t => {
  const doc = await readFile(new URL('../../../src/predict/model/index.ts', import.meta.url), 'utf8')
  const found = [...doc.matchAll(/@default ([A-Z_]+) \(([\d.]+)(?: (minute|hour))?\)/g)]
  t.ok(found.length >= 8)
  const unit: Record<string, number> = { minute, hour: 60 * minute }
  for (const [, name, value, u] of found) t.equal((constants as Record<string, unknown>)[name!], Number(value) * (u !== undefined ? unit[u]! : 1), String(name))
})

t.test('options are checked once, naming the option', async t => {
  t.throws(() => createShoalCachePolicy(100, { minConfidence: 2 }), { name: 'InvalidModelOptionError', message: /minConfidence: 2/ })
  t.throws(() => createShoalCachePolicy(100, { refreshMs: 0 }), { message: /refreshMs: 0 must be a number above 0/ })
  t.throws(() => createShoalCachePolicy(100, { precacheTop: 1.5 }), { message: /precacheTop: 1.5 must be a whole number/ })
  t.throws(() => createShoalCachePolicy(100, { refresh: 1 } as never), { message: /unknown model option "refresh"/ })
})

/**
 * Image pulls: a manifest, then its two layers a second apart, by a new
 * client each time, ten minutes apart; a noise blob pulled alone between
 * them. The rules need a few sessions (and a refresh) before they can say
 * anything, so the first pulls get no prefetch and later ones do.
 */
function imagePulls (pulls: number): TraceRequest[] {
  const out: TraceRequest[] = []
  for (let i = 0; i < pulls; i++) {
    const at = i * 10 * minute
    out.push({ tsMs: at, client: `h${i}`, blob: 'M', bytes: 1, kind: 'manifest' })
    out.push({ tsMs: at + 1000, client: `h${i}`, blob: 'a', bytes: 10, kind: 'blob' })
    out.push({ tsMs: at + 2000, client: `h${i}`, blob: 'b', bytes: 10, kind: 'blob' })
    out.push({ tsMs: at + 5 * minute, client: `n${i}`, blob: `noise${i}`, bytes: 10, kind: 'blob' })
  }
  return out
}

t.test('rules learned from past sessions prefetch an image\'s layers after its manifest', async t => {
  const requests = imagePulls(12)
  // Room for the manifest and one 10-byte blob: a and b push each other out, so only a prefetch can make them hits.
  const policy = createShoalCachePolicy(11, { refreshMs: 10 * minute, rules: { minSupport: 2, sessionGapMs: minute } })
  const prefetchedAt: number[] = []
  simulate(requests, {
    capacityBytes: 11,
    policy,
    prefetcher: policy,
    warmupFraction: 0,
    maxPrefetchBytesPerRequest: 20,
    checkInvariants: true,
    onStep: s => { if (s.prefetched.includes('a')) prefetchedAt.push(s.index) }
  })
  t.ok(prefetchedAt.length > 0, 'a was prefetched at some point')
  const first = requests[prefetchedAt[0]!]!
  t.equal(first.blob, 'M', 'after the manifest')
  t.ok(first.tsMs >= 2 * 10 * minute, 'not before two sessions were seen and mined')
})

t.test('a prefetch takes free room, or the place of blobs worth less, never of blobs worth more', async t => {
  const p = createShoalCachePolicy(100, { minConfidence: 0 })
  t.equal(p.admit('y', 50, 0, 'prefetch'), true, 'free room')
  p.onInsert('x', 100, 0, 'demand')
  for (let i = 1; i <= 20; i++) {
    p.onHit('x', 100, i)
    p.observe({ tsMs: i, client: 'c', blob: 'x', bytes: 100, kind: 'blob' })
  }
  t.equal(p.admit('y', 50, 21, 'prefetch'), false, 'x, asked for 20 times, stays')
  t.equal(p.admit('y', 50, 21, 'demand'), true, 'a demand miss is always cached')
  t.equal(p.victim(21, new Set()), 'x')
  t.equal(p.victim(21, new Set(['x'])), undefined, 'nothing else to evict')
})

t.test('on two generated days: beats LRU and ARC at 5, 10 and 20% with precision >= 0.6', async t => {
  const seed = 7
  const { requests } = await generateTrace({ seed, durationMs: 2 * 24 * 60 * minute, targetRows: 30_000 })
  const total = uniqueBytes(requests)
  for (const fraction of [0.05, 0.1, 0.2]) {
    const capacityBytes = Math.round(total * fraction)
    const shoal = createShoalCachePolicy(capacityBytes)
    const s = simulate(requests, { capacityBytes, policy: shoal, prefetcher: shoal })
    for (const name of ['lru', 'arc'] as const) {
      const base = simulate(requests, { capacityBytes, policy: createPolicy(name, { capacityBytes }) })
      t.ok(s.hitRatio > base.hitRatio, `seed ${seed}, ${fraction}: shoal ${s.hitRatio.toFixed(3)} > ${name} ${base.hitRatio.toFixed(3)}`)
    }
    t.ok(s.precision !== null && s.precision >= 0.6, `seed ${seed}, ${fraction}: precision ${String(s.precision)}`)
  }
})
