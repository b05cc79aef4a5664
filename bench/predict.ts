/**
 * bench:predict: shoal's predictive cache policy against the baselines on a
 * generated trace (`shoal predict gen-trace`'s generator, seeded, about
 * 200k requests over a week). One cache sized at 5, 10 and 20% of the
 * trace's unique blob bytes; the first 20% of the week trains and is not
 * counted; manifests are prefetch signals, not cached or counted.
 * Baselines in the same run: LRU, ARC, GDSF and Belady's MIN blind to size
 * and weighing size (`belady-size`, the reference for request hit ratio
 * when sizes vary), and LRU with the manifest -> layers prefetcher. Hit
 * ratios are deterministic for a seed; only `elapsedMs` depends on the
 * machine.
 *
 *   npm run bench:predict [-- --seed 1] [--days 7] [--json]
 */
import { evaluate, type EvaluationRow } from '../src/predict/cache/index.js'
import { createShoalCachePolicy } from '../src/predict/model/index.js'
import { generateTrace } from '../src/predict/trace/index.js'
import { parseBenchArgs, report, round } from './util.js'

const args = parseBenchArgs(process.argv.slice(2), { seed: 1, days: 7 })
const FRACTIONS = [0.05, 0.1, 0.2]

const started = Date.now()
const { requests, stats } = await generateTrace({ seed: args.seed, durationMs: args.days * 86_400_000 })
const rows = await evaluate(requests, {
  fractions: FRACTIONS,
  policies: ['lru', 'arc', 'gdsf', 'belady', 'belady-size'],
  manifestPolicies: ['lru'],
  extra: [{ name: 'shoal', make: (capacityBytes) => { const p = createShoalCachePolicy(capacityBytes); return { policy: p, prefetcher: p } } }]
})
const elapsedMs = Date.now() - started

const at = (policy: string, f: number): EvaluationRow => rows.find(r => r.policy === policy && r.cacheFraction === f) as EvaluationRow
const r3 = (x: number | null): number | null => x == null ? null : round(x, 3)
const perFraction = FRACTIONS.map(f => {
  const shoal = at('shoal', f)
  return {
    cacheFraction: f,
    hitRatio: Object.fromEntries(['lru', 'arc', 'gdsf', 'belady', 'belady-size', 'lru+manifest', 'shoal'].map(p => [p, r3(at(p, f).hitRatio)])),
    shoalPrecision: r3(shoal.precision),
    shoalCoverage: r3(shoal.coverage),
    shoalWastedBytes: shoal.wastedBytes,
    shoalOverLru: r3(shoal.hitRatio / at('lru', f).hitRatio),
    shoalOverArc: r3(shoal.hitRatio / at('arc', f).hitRatio),
    shoalOverBeladySize: r3(shoal.hitRatio / at('belady-size', f).hitRatio)
  }
})

const table: string[][] = [['cache', 'policy', 'hit', 'byte hit', 'precision', 'coverage']]
for (const r of rows) {
  table.push([`${r.cacheFraction * 100}%`, r.policy, r.hitRatio.toFixed(3), r.byteHitRatio.toFixed(3), r.precision?.toFixed(3) ?? '-', r.coverage?.toFixed(3) ?? '-'])
}
report(args.json, table, {
  seed: args.seed,
  rows: stats.rows,
  distinctBlobs: stats.distinctBlobs,
  uniqueBytes: stats.uniqueBytes,
  elapsedMs,
  results: perFraction
}, `trace: seed ${args.seed}, ${stats.rows} rows (${stats.manifestRows} manifests), ${stats.distinctBlobs} blobs; ${rows.length} runs in ${round(elapsedMs / 1000)} s`)
