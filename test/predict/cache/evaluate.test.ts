import { readFile } from 'node:fs/promises'
import t from 'tap'
import * as constants from '../../../src/predict/cache/constants.js'
import { createPolicy, createPrefetcher, evaluate, simulate, uniqueBytes, type EvaluationRow } from '../../../src/predict/cache/index.js'
import type { TraceRequest } from '../../../src/predict/types.js'
import { randomTrace, req } from './helpers.js'

/** A small trace with manifests: 4 images of 3 layers pulled by 6 clients over 600 s. */
function pulls (): TraceRequest[] {
  const out: TraceRequest[] = []
  for (let i = 0; i < 60; i++) {
    const image = (i * 7) % 4
    const client = `c${i % 6}`
    const at = i * 10_000
    out.push(req(at, `m${image}`, 1, { kind: 'manifest', client }))
    for (let l = 0; l < 3; l++) out.push(req(at + 100 + l, `img${image}-l${l}`, 10 + l, { client }))
  }
  return out
}

t.test('uniqueBytes counts each blob once, at its largest size', async t => {
  t.equal(uniqueBytes([req(0, 'a', 5), req(1, 'b', 3), req(2, 'a', 7), req(3, 'b', 3)]), 10)
  t.equal(uniqueBytes([]), 0)
})

t.test('every policy at every size, manifest runs, extras, in a fixed order', async t => {
  const requests = pulls()
  const unique = uniqueBytes(requests)
  t.equal(unique, 4 * (1 + 10 + 11 + 12))
  const made: number[] = []
  const rows = await evaluate(requests, {
    fractions: [0.25, 0.5],
    policies: ['lru', 'belady'],
    maxPrefetchBytesPerRequest: 40,
    manifests: 'cache',
    extra: [{ name: 'mine', make: (capacityBytes) => { made.push(capacityBytes); return { policy: createPolicy('lfu', { capacityBytes }) } } }]
  })
  t.same(rows.map(r => `${r.policy}@${r.cacheFraction}`), [
    'lru@0.25', 'belady@0.25', 'lru+manifest@0.25', 'mine@0.25',
    'lru@0.5', 'belady@0.5', 'lru+manifest@0.5', 'mine@0.5'
  ], 'belady is left out of the manifest runs by default')
  t.same(made, [34, 68])
  const byName = (name: string, f: number): EvaluationRow => rows.find(r => r.policy === name && r.cacheFraction === f) as EvaluationRow
  const lru = byName('lru', 0.25)
  t.equal(lru.capacityBytes, Math.floor(0.25 * unique))
  // A row is simulate()'s result at that size, with the default warm-up.
  t.same({ ...lru }, { policy: 'lru', cacheFraction: 0.25, capacityBytes: 34, ...simulate(requests, { capacityBytes: 34, policy: createPolicy('lru', { capacityBytes: 34 }), manifests: 'cache' }) })
  const prefetching = byName('lru+manifest', 0.25)
  t.same({ ...prefetching }, {
    policy: 'lru+manifest', cacheFraction: 0.25, capacityBytes: 34,
    ...simulate(requests, { capacityBytes: 34, policy: createPolicy('lru', { capacityBytes: 34 }), prefetcher: createPrefetcher('manifest'), maxPrefetchBytesPerRequest: 40, manifests: 'cache' })
  })
  t.ok(byName('belady', 0.25).hits >= lru.hits, 'belady bounds lru')
  t.ok(prefetching.prefetched > 0 && prefetching.hits > lru.hits, `the manifest run prefetches and gains (${prefetching.hits} hits, lru ${lru.hits})`)
  t.equal(byName('lru', 0.25).warmupRequests, requests.filter(r => r.tsMs < 0.2 * requests[requests.length - 1]!.tsMs).length)
})

t.test('by default manifests are signals: seen by the prefetcher, neither cached nor counted, left out of the sizes', async t => {
  const requests = pulls()
  const blobs = requests.filter(r => r.kind !== 'manifest')
  const rows = await evaluate(requests, { fractions: [0.25], policies: ['lru'], warmupFraction: 0, maxPrefetchBytesPerRequest: 40 })
  const [lru, manifest] = rows
  t.equal(lru!.capacityBytes, Math.floor(0.25 * uniqueBytes(blobs)), 'sized on the blobs alone')
  t.equal(lru!.requests, blobs.length, 'manifest requests are not counted')
  t.equal(lru!.hits, simulate(blobs, { capacityBytes: lru!.capacityBytes, policy: createPolicy('lru', { capacityBytes: lru!.capacityBytes }), warmupFraction: 0 }).hits, 'as if they were not in the trace')
  t.equal(manifest!.policy, 'lru+manifest')
  t.ok(manifest!.prefetched > 0 && manifest!.hits > lru!.hits, `the manifest prefetcher still reads them (${manifest!.hits} hits, lru ${lru!.hits})`)
  t.throws(() => simulate(requests, { capacityBytes: 1, policy: createPolicy('lru', { capacityBytes: 1 }), manifests: 'all' as never }), { name: 'InvalidCacheOptionError', message: /manifests must be "signal" or "cache"/ })
})

t.test('no manifest runs without manifests; options reach every run', async t => {
  const requests = randomTrace(3, 500, 40, 20)
  const rows = await evaluate(requests, { fractions: [0.1], policies: ['arc', 'gdsf'], manifestPolicies: ['arc'], warmupFraction: 0 })
  t.same(rows.map(r => r.policy), ['arc', 'gdsf'])
  t.same(rows.map(r => r.warmupRequests), [0, 0])
})

t.test('evaluate checks its options before running anything', async t => {
  const requests = pulls()
  const bad: Array<[object, RegExp]> = [
    [{ fractions: [], policies: ['lru'] }, /fractions/],
    [{ fractions: [0], policies: ['lru'] }, /above 0/],
    [{ fractions: [1.5], policies: ['lru'] }, /at most 1/],
    [{ fractions: Array(33).fill(0.1), policies: ['lru'] }, /fractions/],
    [{ fractions: [0.1], policies: ['mru'] }, /unknown policy "mru"/],
    [{ fractions: [0.1], policies: ['lru'], manifestPolicies: ['x'] }, /manifestPolicies/],
    [{ fractions: [0.1], policies: ['lru'], extra: [{ name: 'lru', make: () => ({}) }] }, /"lru" is taken/],
    [{ fractions: [0.1], policies: ['lru'], extra: [{ name: 'x' }] }, /extra/],
    [{ fractions: [0.1], policies: ['lru'], warmupFraction: 2 }, /warmupFraction/],
    [{ fractions: [0.1], policies: ['lru'], maxPrefetchBytesPerRequest: -1 }, /maxPrefetchBytesPerRequest/],
    [{ fractions: [0.1], policies: ['lru'], cacheFractions: [0.1] }, /unknown evaluate option "cacheFractions"/],
    [{ fractions: Array(32).fill(0.1), policies: ['lru', 'lfu', 'arc', 'gdsf', 'belady'], extra: Array.from({ length: 12 }, (_, i) => ({ name: `e${i}`, make: () => ({}) })) }, /at most 512/]
  ]
  for (const [options, message] of bad) {
    await t.rejects(evaluate(requests, options as Parameters<typeof evaluate>[1]), { name: 'InvalidCacheOptionError', message }, JSON.stringify(options).slice(0, 80))
  }
})

t.test('an abort between runs stops the evaluation', async t => {
  const controller = new AbortController()
  let runs = 0
  const pending = evaluate(pulls(), {
    fractions: [0.1, 0.2, 0.3],
    policies: [],
    extra: [{ name: 'counting', make: (capacityBytes) => { if (++runs === 2) controller.abort(new Error('stop')); return { policy: createPolicy('lru', { capacityBytes }) } } }],
    signal: controller.signal
  })
  await t.rejects(pending, /stop/)
  t.equal(runs, 2)
})

t.test('the defaults documented in index.ts are the constants', async t => {
  const UNIT: Record<string, number> = { '': 1, second: 1000 }
  const sources = await Promise.all(['index.ts', 'prefetch/index.ts'].map(async f => readFile(new URL(`../../../src/predict/cache/${f}`, import.meta.url), 'utf8')))
  const documented = sources.flatMap(s => [...s.matchAll(/@default ([A-Z_]+) \(([\d.]+)(?: ?([A-Za-z]+))?\)/g)])
  t.equal(documented.length, 9, 'every default is documented')
  for (const [, name = '', value = '', unit = ''] of documented) {
    t.equal((constants as Record<string, unknown>)[name], Number(value) * (UNIT[unit] ?? NaN), `${name} = ${value} ${unit}`)
  }
})
