/**
 * The cache simulator behind `shoal predict eval`: one cache of
 * `capacityBytes` (the swarm's storage) replays a trace of requests in time
 * order and counts what an eviction policy and, optionally, a prefetcher
 * would have saved. It is deterministic: the same trace, policy and
 * prefetcher always give the same result.
 *
 * Modelling assumptions, stated once here:
 * - A prefetch is instantaneous: a prefetched blob is in the cache before
 *   the next request, however large. Real prefetches take time and can
 *   lose the race with the request they anticipate, so prefetch figures are
 *   an upper bound of what the same suggestions would earn in production.
 * - A demand miss is served from the origin and then cached (when the policy
 *   admits it); a blob bigger than the whole capacity is never cached.
 * - Manifest requests are signals by default (`manifests: 'signal'`): the
 *   prefetcher sees them (a manifest names what comes next), but they are
 *   neither cached nor counted. A mirror asks the origin about a tag's
 *   manifest on every pull anyway (tags move), and manifests are a few KB:
 *   counted, they would let any size-aware policy score on manifests alone.
 *   `manifests: 'cache'` treats them as requests like any other.
 * - A blob keeps the size it had when it entered the cache; requests are
 *   counted with the size they carry.
 *
 * Policies (one file each, every operation O(1) or O(log n) in the number
 * of cached blobs): LRU, LFU, ARC, GDSF, and Belady's MIN, the reference
 * of demand caching (it reads the future from the trace), blind to size
 * (`belady`) or weighing it (`belady-size`, the stronger reference for
 * request hit ratio when sizes vary; see belady.ts). Baseline
 * prefetchers live in `prefetch/`: none, and manifest -> the blobs that
 * followed it. `evaluate` runs every policy at every cache size, sized as
 * fractions of the trace's unique bytes; `extra` plugs in other policies
 * (shoal's own).
 */
import type { TraceRequest } from '../types.js'
import { ArcPolicy } from './arc.js'
import { BeladyPolicy } from './belady.js'
import { InvalidCacheOptionError } from './errors.js'
import { GdsfPolicy } from './gdsf.js'
import { LfuPolicy } from './lfu.js'
import { LruPolicy } from './lru.js'

export * from './constants.js'
export * from './errors.js'
export { simulate } from './simulate.js'
export { evaluate, uniqueBytes } from './evaluate.js'
export { createPrefetcher, ManifestPrefetcher, NonePrefetcher } from './prefetch/index.js'
export type { ManifestPrefetcherInit, PrefetcherName } from './prefetch/index.js'
export { ArcPolicy, BeladyPolicy, GdsfPolicy, LfuPolicy, LruPolicy }

export type ManifestMode = 'signal' | 'cache'
export type PolicyName = 'lru' | 'lfu' | 'arc' | 'gdsf' | 'belady' | 'belady-size'
export const POLICY_NAMES: readonly PolicyName[] = ['lru', 'lfu', 'arc', 'gdsf', 'belady', 'belady-size']

/**
 * An eviction policy: told of every hit, insertion and eviction, it names
 * the next victim when the simulator needs room. For each request the
 * simulator calls, in this order: `onHit` (a hit), or `admit` (a miss that
 * fits the capacity; at most once, before any eviction for it), then
 * `victim` + `onEvict` as many times as room is needed, then `onInsert`.
 * Prefetch candidates go through the same `admit` / `victim` / `onEvict` /
 * `onInsert` sequence. A policy may therefore also use `admit` to learn of
 * a miss before it chooses victims (ARC does).
 */
export interface EvictionPolicy {
  readonly name: string
  /** A request found `blob` in the cache. */
  onHit (blob: string, bytes: number, nowMs: number): void
  /** `blob` entered the cache, on a demand miss or a prefetch. */
  onInsert (blob: string, bytes: number, nowMs: number, cause: 'demand' | 'prefetch'): void
  /** Which cached blob to evict next (never one in `protect`). undefined = nothing evictable. */
  victim (nowMs: number, protect: ReadonlySet<string>): string | undefined
  onEvict (blob: string): void
  /** Optional admission control: may refuse to cache (a demand miss is still served, just not kept) */
  admit? (blob: string, bytes: number, nowMs: number, cause: 'demand' | 'prefetch'): boolean
}

export interface PrefetchCandidate { blob: string, bytes: number }

export interface Prefetcher {
  readonly name: string
  /** Every request, in time order, after the cache handled it (`hit` says how). Learn only from this: the past. */
  observe (request: TraceRequest, hit: boolean): void
  /** What to fetch into the cache now, best first (the simulator skips cached ones, and stops at `maxPrefetchBytesPerRequest`). */
  suggest (request: TraceRequest): PrefetchCandidate[]
}

export interface PolicyInit {
  /** The cache's size; ARC bounds its target and ghost lists by it. */
  capacityBytes: number
  /** The whole trace, in time order: Belady needs it to know each blob's next use; the others ignore it. */
  requests?: readonly TraceRequest[]
}

/** What happened at one request; given to `onStep` (tests, debugging). */
export interface SimulationStep {
  /** The request's index in the trace. */
  index: number
  request: TraceRequest
  hit: boolean
  /** False in the warm-up: the request is not in the result. */
  counted: boolean
  /** Evicted while handling this request (the demand insertion and the prefetches), in order. */
  evicted: readonly string[]
  /** Prefetched after this request, in order. */
  prefetched: readonly string[]
  /** Bytes in the cache after this request. */
  cachedBytes: number
}

export interface SimulateOptions {
  /** The cache's size in bytes, a non-negative integer. */
  capacityBytes: number
  /** A fresh policy for this run (policies keep state). */
  policy: EvictionPolicy
  /** @default none */
  prefetcher?: Prefetcher
  /**
   * Requests before `firstTsMs + warmupMs` train the cache and the
   * prefetcher but are not counted. Give this or `warmupFraction`, not both.
   */
  warmupMs?: number
  /** The warm-up as a fraction (0 to <1) of the trace's time span. @default DEFAULT_WARMUP_FRACTION (0.2) */
  warmupFraction?: number
  /** Most bytes prefetched after one request. @default DEFAULT_PREFETCH_BUDGET_FRACTION (0.1) x capacityBytes */
  maxPrefetchBytesPerRequest?: number
  /** Whether manifest requests only inform the prefetcher or are cached and counted too. @default 'signal' */
  manifests?: ManifestMode
  /** Test mode: after every request, check that the cache holds at most its capacity and that its byte count adds up. */
  checkInvariants?: boolean
  /** Called after every request with what happened (costs an allocation per request). */
  onStep?: (step: SimulationStep) => void
  /** Looked at every SIGNAL_CHECK_REQUESTS (4096) requests. */
  signal?: AbortSignal
}

/**
 * What one run counted, over the requests after the warm-up only. A
 * prefetch is counted when the request that triggered it is.
 */
export interface SimulationResult {
  /** Requests counted (after the warm-up). */
  requests: number
  /** Of those, requests whose blob was in the cache. */
  hits: number
  /** hits / requests (0 when no request was counted). */
  hitRatio: number
  /** Bytes of the counted requests (each request with the size it carries). */
  bytes: number
  /** Bytes of the counted hits. */
  hitBytes: number
  /** hitBytes / bytes (0 when no byte was requested). */
  byteHitRatio: number
  /** Bytes fetched from the origin: the bytes of the counted misses plus `prefetchedBytes`. */
  originBytes: number
  /** Blobs prefetched into the cache (candidates already cached, refused or over the budget are not). */
  prefetched: number
  /** Their bytes. */
  prefetchedBytes: number
  /** Prefetched blobs requested while still in the cache (each prefetch counted once, at its first hit). */
  prefetchUsed: number
  /** prefetchUsed / prefetched, or null when nothing was prefetched. */
  precision: number | null
  /**
   * Of the requests a cache without those prefetches would have had to
   * fetch, the share a prefetch served: prefetchUsed / (prefetchUsed +
   * misses), or null when both are 0. (The first hit on a prefetched blob
   * is the hit the prefetch made possible; later hits on it would have been
   * hits anyway once the blob was cached on demand.)
   */
  coverage: number | null
  /** Bytes of the prefetched blobs never requested while cached: evicted unused, or unused at the end. prefetchedBytes minus the used ones' bytes. */
  wastedBytes: number
  /** Blobs evicted while handling the counted requests (demand insertions and prefetches). */
  evictions: number
  /** Requests replayed in the warm-up, not counted above. */
  warmupRequests: number
}

/** One row of `evaluate`: a policy (or policy+prefetcher) at one cache size. */
export interface EvaluationRow extends SimulationResult {
  /** e.g. 'lru', 'lru+manifest', or an extra's name. */
  policy: string
  cacheFraction: number
  capacityBytes: number
}

export interface EvaluationExtra {
  name: string
  /** A fresh policy (and prefetcher) for one run at this capacity. */
  make: (capacityBytes: number, context: { cacheFraction: number, requests: readonly TraceRequest[] }) => { policy: EvictionPolicy, prefetcher?: Prefetcher }
}

export interface EvaluateOptions {
  /** Cache sizes as fractions (0 < f <= 1) of the trace's unique bytes, at most EVALUATE_MAX_FRACTIONS (32). */
  fractions: readonly number[]
  /** Baseline policies run at every size, without prefetch. */
  policies: readonly PolicyName[]
  /**
   * Policies also run with the manifest prefetcher (rows named
   * `<policy>+manifest`) when the trace has manifest requests. Belady is the
   * bound of demand caching, so it is left out by default.
   * @default the given `policies` except belady and belady-size
   */
  manifestPolicies?: readonly PolicyName[]
  /** Other policies (shoal's own), run at every size after the baselines. */
  extra?: readonly EvaluationExtra[]
  /** As in `simulate`, for every run. @default DEFAULT_WARMUP_FRACTION (0.2) */
  warmupFraction?: number
  warmupMs?: number
  /** As in `simulate`, for every run, in bytes. @default DEFAULT_PREFETCH_BUDGET_FRACTION (0.1) x each run's capacity */
  maxPrefetchBytesPerRequest?: number
  /** As in `simulate`; under 'signal' cache sizes are fractions of the blobs' unique bytes, manifests left out. @default 'signal' */
  manifests?: ManifestMode
  /** Looked at between runs and during them; `evaluate` yields to the event loop between runs so an abort is seen. */
  signal?: AbortSignal
}

/** A fresh policy by name. Belady needs `requests`: the same trace `simulate` will replay. */
export function createPolicy (name: PolicyName, init: PolicyInit): EvictionPolicy {
  if (typeof init !== 'object' || init == null) throw new InvalidCacheOptionError('policy options must be an object')
  const { capacityBytes } = init
  if (!Number.isSafeInteger(capacityBytes) || capacityBytes < 0) {
    throw new InvalidCacheOptionError(`policy option capacityBytes must be a non-negative integer, got ${String(capacityBytes)}`)
  }
  switch (name) {
    case 'lru': return new LruPolicy()
    case 'lfu': return new LfuPolicy()
    case 'arc': return new ArcPolicy(capacityBytes)
    case 'gdsf': return new GdsfPolicy()
    case 'belady':
    case 'belady-size':
      if (init.requests == null) throw new InvalidCacheOptionError(`policy "${name}" needs option requests: the trace it will replay`)
      return new BeladyPolicy(init.requests, name === 'belady-size')
    default:
      throw new InvalidCacheOptionError(`unknown policy "${String(name)}"; known policies: ${POLICY_NAMES.join(', ')}`)
  }
}
