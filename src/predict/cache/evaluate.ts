/**
 * `shoal predict eval`'s engine: every policy at every cache size, each
 * size a fraction of the trace's unique bytes, plus manifest-prefetch runs
 * when the trace has manifests, plus the extras (shoal's own policy). Runs
 * one after another, yielding to the event loop between them.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { EVALUATE_MAX_RUNS } from './constants.js'
import { InvalidCacheOptionError } from './errors.js'
import { createPolicy, type EvaluateOptions, type EvaluationRow, type EvictionPolicy, type Prefetcher } from './index.js'
import { evaluateOptions } from './options.js'
import { createPrefetcher } from './prefetch/index.js'
import { simulate } from './simulate.js'
import type { TraceRequest } from '../types.js'

/** The bytes of the distinct blobs of a trace, each counted once at the largest size it was requested with. */
export function uniqueBytes (requests: readonly TraceRequest[]): number {
  const sizes = new Map<string, number>()
  for (const { blob, bytes } of requests) {
    const seen = sizes.get(blob)
    if (seen === undefined || bytes > seen) sizes.set(blob, bytes)
  }
  let total = 0
  for (const bytes of sizes.values()) total += bytes
  return total
}

interface Run {
  name: string
  cacheFraction: number
  capacityBytes: number
  make: () => { policy: EvictionPolicy, prefetcher?: Prefetcher }
}

/** Every run, in the order of the rows: by size, then baselines, manifest runs, extras. */
function plan (requests: readonly TraceRequest[], options: EvaluateOptions): Run[] {
  const checked = evaluateOptions(options, requests)
  const unique = uniqueBytes(checked.manifests === 'signal' ? requests.filter(r => r.kind !== 'manifest') : requests)
  const hasManifests = requests.some(r => r.kind === 'manifest')
  const runs: Run[] = []
  for (const cacheFraction of checked.fractions) {
    const capacityBytes = Math.floor(cacheFraction * unique)
    for (const name of checked.policies) {
      runs.push({ name, cacheFraction, capacityBytes, make: () => ({ policy: createPolicy(name, { capacityBytes, requests }) }) })
    }
    if (hasManifests) {
      for (const name of checked.manifestPolicies) {
        runs.push({
          name: `${name}+manifest`,
          cacheFraction,
          capacityBytes,
          make: () => ({ policy: createPolicy(name, { capacityBytes, requests }), prefetcher: createPrefetcher('manifest') })
        })
      }
    }
    for (const extra of options.extra ?? []) {
      runs.push({ name: extra.name, cacheFraction, capacityBytes, make: () => extra.make(capacityBytes, { cacheFraction, requests }) })
    }
  }
  if (runs.length > EVALUATE_MAX_RUNS) {
    throw new InvalidCacheOptionError(`evaluate would run ${runs.length} simulations; at most ${EVALUATE_MAX_RUNS} (fewer fractions or policies)`)
  }
  return runs
}

/** Rows `{ policy, cacheFraction, capacityBytes, ...SimulationResult }`, one per run; see `EvaluateOptions`. */
export async function evaluate (requests: readonly TraceRequest[], options: EvaluateOptions): Promise<EvaluationRow[]> {
  const runs = plan(requests, options)
  const { manifests } = evaluateOptions(options, requests)
  const { signal } = options
  const rows: EvaluationRow[] = []
  for (const run of runs) {
    await nextTurn()
    signal?.throwIfAborted()
    const { policy, prefetcher } = run.make()
    const result = simulate(requests, {
      capacityBytes: run.capacityBytes,
      policy,
      ...(prefetcher !== undefined ? { prefetcher } : {}),
      ...(options.warmupMs !== undefined ? { warmupMs: options.warmupMs } : {}),
      ...(options.warmupFraction !== undefined ? { warmupFraction: options.warmupFraction } : {}),
      ...(options.maxPrefetchBytesPerRequest !== undefined ? { maxPrefetchBytesPerRequest: options.maxPrefetchBytesPerRequest } : {}),
      ...(signal !== undefined ? { signal } : {}),
      manifests
    })
    rows.push({ policy: run.name, cacheFraction: run.cacheFraction, capacityBytes: run.capacityBytes, ...result })
  }
  return rows
}
