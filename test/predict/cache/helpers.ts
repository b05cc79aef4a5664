/** Small traces for the cache simulator's tests, a seeded generator and a scripted prefetcher. */
import { simulate, type EvictionPolicy, type PrefetchCandidate, type Prefetcher, type SimulateOptions, type SimulationStep } from '../../../src/predict/cache/index.js'
import type { TraceRequest } from '../../../src/predict/types.js'

/** mulberry32: every random test can be replayed from its seed. */
export function prng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let z = a
    z = Math.imul(z ^ (z >>> 15), z | 1)
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61)
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296
  }
}

/** The base seed of the random tests; override with CACHE_TEST_SEED to replay one. */
export const BASE_SEED = Number(process.env.CACHE_TEST_SEED ?? 7001)

export function req (tsMs: number, blob: string, bytes = 1, more: Partial<TraceRequest> = {}): TraceRequest {
  return { tsMs, client: 'c1', blob, bytes, kind: 'blob', ...more }
}

/**
 * "A B A C" -> one request a second; "A:6 B:3" gives sizes (default 1);
 * "m:M" is a manifest request.
 */
export function trace (spec: string): TraceRequest[] {
  return spec.trim().split(/\s+/).map((token, i) => {
    const manifest = token.startsWith('m:')
    const [blob = '', size] = (manifest ? token.slice(2) : token).split(':')
    return req(i * 1000, blob, size === undefined ? 1 : Number(size), manifest ? { kind: 'manifest' } : {})
  })
}

export interface Replay {
  steps: SimulationStep[]
  /** 1 for a hit, 0 for a miss, per request. */
  hits: number[]
  evicted: string[]
}

/** Replay with no warm-up, invariants checked, every step kept. */
export function replay (requests: readonly TraceRequest[], policy: EvictionPolicy, capacityBytes: number, more: Partial<SimulateOptions> = {}): Replay & { result: ReturnType<typeof simulate> } {
  const steps: SimulationStep[] = []
  const result = simulate(requests, { capacityBytes, policy, warmupFraction: 0, checkInvariants: true, onStep: s => steps.push(s), ...more })
  return { steps, hits: steps.map(s => s.hit ? 1 : 0), evicted: steps.flatMap(s => s.evicted), result }
}

/** Suggests what it is told to, after the request at a given time. */
export class ScriptedPrefetcher implements Prefetcher {
  readonly name = 'scripted'
  readonly observed: Array<{ blob: string, hit: boolean }> = []
  constructor (private readonly script: Record<number, PrefetchCandidate[]>) {}

  observe (request: TraceRequest, hit: boolean): void {
    this.observed.push({ blob: request.blob, hit })
  }

  suggest (request: TraceRequest): PrefetchCandidate[] {
    return this.script[request.tsMs] ?? []
  }
}

/**
 * A random trace: `length` requests over `blobs` blobs with skewed
 * popularity (a power of a uniform draw), sizes 1 unless `maxBytes` > 1.
 */
export function randomTrace (seed: number, length: number, blobs: number, maxBytes = 1): TraceRequest[] {
  const next = prng(seed)
  const sizes = Array.from({ length: blobs }, () => 1 + Math.floor(next() * maxBytes))
  const skew = 1 + next() * 2
  const out: TraceRequest[] = []
  let ts = 0
  for (let i = 0; i < length; i++) {
    const b = Math.floor(Math.pow(next(), skew) * blobs)
    ts += Math.floor(next() * 3)
    out.push(req(ts, `b${b}`, sizes[b]))
  }
  return out
}
