/**
 * Replays a trace through one cache (see `index.ts` for the model and the
 * exact meaning of every counter). O(requests x policy cost); the
 * simulator's own bookkeeping is O(1) per request, plus O(cached blobs) per
 * request in test mode.
 */
import { MAX_PREFETCH_CANDIDATES, SIGNAL_CHECK_REQUESTS } from './constants.js'
import { CacheInvariantError, InvalidTraceRequestError, PolicyContractError } from './errors.js'
import { simulateOptions, type CheckedSimulateOptions } from './options.js'
import type { PrefetchCandidate, SimulateOptions, SimulationResult } from './index.js'
import type { TraceRequest } from '../types.js'

/**
 * Where a cached blob came from, for the prefetch counters: 'plain' (demand,
 * or a prefetch requested since), 'warmup-prefetch' (prefetched in the
 * warm-up and not requested yet: counted neither way), 'prefetch'
 * (prefetched after the warm-up and not requested yet: used at its first
 * hit, else waste).
 */
type Origin = 'plain' | 'warmup-prefetch' | 'prefetch'

interface Cached {
  bytes: number
  origin: Origin
}

const NOTHING_PROTECTED: ReadonlySet<string> = new Set()

function checkRequest (r: TraceRequest | undefined, index: number, previousMs: number): asserts r is TraceRequest {
  if (typeof r !== 'object' || r == null) throw new InvalidTraceRequestError(`request ${index} is not an object`)
  if (typeof r.blob !== 'string' || r.blob === '') throw new InvalidTraceRequestError(`request ${index} has no blob id`)
  if (!Number.isSafeInteger(r.bytes) || r.bytes < 0) throw new InvalidTraceRequestError(`request ${index} (${r.blob}) has bytes ${String(r.bytes)}; sizes are non-negative integers`)
  if (typeof r.tsMs !== 'number' || !Number.isFinite(r.tsMs)) throw new InvalidTraceRequestError(`request ${index} (${r.blob}) has time ${String(r.tsMs)}`)
  if (r.tsMs < previousMs) throw new InvalidTraceRequestError(`request ${index} (${r.blob}) at ${r.tsMs} ms comes before the previous one (${previousMs} ms); sort the trace by time`)
}

function checkCandidate (c: PrefetchCandidate | undefined, prefetcher: string): asserts c is PrefetchCandidate {
  if (typeof c?.blob !== 'string' || c.blob === '' || !Number.isSafeInteger(c.bytes) || c.bytes < 0) {
    throw new PolicyContractError(`prefetcher ${prefetcher} suggested ${JSON.stringify(c)}; a candidate is { blob: a non-empty string, bytes: a non-negative integer }`)
  }
}

class Simulation {
  private readonly cache = new Map<string, Cached>()
  private cachedBytes = 0
  private readonly result: SimulationResult = {
    requests: 0,
    hits: 0,
    hitRatio: 0,
    bytes: 0,
    hitBytes: 0,
    byteHitRatio: 0,
    originBytes: 0,
    prefetched: 0,
    prefetchedBytes: 0,
    prefetchUsed: 0,
    precision: null,
    coverage: null,
    wastedBytes: 0,
    evictions: 0,
    warmupRequests: 0
  }

  private usedPrefetchBytes = 0
  /** Set while handling a request when `onStep` wants them. */
  private evicted: string[] | undefined
  private prefetchedNow: string[] | undefined

  constructor (private readonly o: CheckedSimulateOptions) {}

  run (requests: readonly TraceRequest[]): SimulationResult {
    const { o, result } = this
    let previousMs = -Infinity
    for (let i = 0; i < requests.length; i++) {
      if (i % SIGNAL_CHECK_REQUESTS === 0) o.signal?.throwIfAborted()
      const r = requests[i]
      checkRequest(r, i, previousMs)
      previousMs = r.tsMs
      const counted = r.tsMs >= o.warmupEndMs
      // A manifest taken as a signal only informs the prefetcher: neither cached nor counted.
      const signal = r.kind === 'manifest' && o.manifests === 'signal'
      if (o.onStep !== undefined) {
        this.evicted = []
        this.prefetchedNow = []
      }
      const hit = signal ? false : this.request(r, counted)
      if (o.prefetcher !== undefined) {
        o.prefetcher.observe(r, hit)
        const suggested = o.prefetcher.suggest(r)
        if (suggested.length > 0) this.prefetch(r, suggested, counted)
      }
      if (o.checkInvariants) this.checkInvariants(i)
      o.onStep?.({ index: i, request: r, hit, counted: counted && !signal, evicted: this.evicted ?? [], prefetched: this.prefetchedNow ?? [], cachedBytes: this.cachedBytes })
    }
    const misses = result.requests - result.hits
    result.hitRatio = result.requests > 0 ? result.hits / result.requests : 0
    result.byteHitRatio = result.bytes > 0 ? result.hitBytes / result.bytes : 0
    result.precision = result.prefetched > 0 ? result.prefetchUsed / result.prefetched : null
    result.coverage = result.prefetchUsed + misses > 0 ? result.prefetchUsed / (result.prefetchUsed + misses) : null
    result.wastedBytes = result.prefetchedBytes - this.usedPrefetchBytes
    return result
  }

  /** Serve one request; true on a hit. */
  private request (r: TraceRequest, counted: boolean): boolean {
    const { o, result } = this
    if (counted) {
      result.requests++
      result.bytes += r.bytes
    } else {
      result.warmupRequests++
    }
    const cached = this.cache.get(r.blob)
    if (cached !== undefined) {
      o.policy.onHit(r.blob, r.bytes, r.tsMs)
      if (cached.origin === 'prefetch') {
        result.prefetchUsed++
        this.usedPrefetchBytes += cached.bytes
      }
      cached.origin = 'plain'
      if (counted) {
        result.hits++
        result.hitBytes += r.bytes
      }
      return true
    }
    if (counted) result.originBytes += r.bytes
    if (r.bytes <= o.capacityBytes &&
      o.policy.admit?.(r.blob, r.bytes, r.tsMs, 'demand') !== false &&
      this.makeRoom(r.bytes, r.tsMs, NOTHING_PROTECTED, counted)) {
      this.insert(r.blob, r.bytes, r.tsMs, 'demand', 'plain')
    }
    return false
  }

  /**
   * Fetch the suggestions, best first, within the byte budget. The
   * request's blob and every suggestion already in (or just brought in) are
   * protected from eviction for the rest of the batch.
   */
  private prefetch (r: TraceRequest, suggested: readonly PrefetchCandidate[], counted: boolean): void {
    const { o, result } = this
    const protect = new Set<string>([r.blob])
    let protectedBytes = this.cache.get(r.blob)?.bytes ?? 0
    let spent = 0
    const n = Math.min(suggested.length, MAX_PREFETCH_CANDIDATES)
    for (let k = 0; k < n; k++) {
      const c = suggested[k]
      checkCandidate(c, o.prefetcher?.name ?? '')
      const cached = this.cache.get(c.blob)
      if (cached !== undefined) {
        if (!protect.has(c.blob)) {
          protect.add(c.blob)
          protectedBytes += cached.bytes
        }
        continue
      }
      if (c.bytes > o.capacityBytes) continue
      if (spent + c.bytes > o.maxPrefetchBytesPerRequest) break
      // Room must come from unprotected blobs; check first rather than evict for nothing.
      if (o.capacityBytes - protectedBytes < c.bytes) continue
      if (o.policy.admit?.(c.blob, c.bytes, r.tsMs, 'prefetch') === false) continue
      if (!this.makeRoom(c.bytes, r.tsMs, protect, counted)) continue
      this.insert(c.blob, c.bytes, r.tsMs, 'prefetch', counted ? 'prefetch' : 'warmup-prefetch')
      this.prefetchedNow?.push(c.blob)
      spent += c.bytes
      protect.add(c.blob)
      protectedBytes += c.bytes
      if (counted) {
        result.prefetched++
        result.prefetchedBytes += c.bytes
        result.originBytes += c.bytes
      }
    }
  }

  /** Evict until `bytes` fit; false when the policy has nothing more to evict. */
  private makeRoom (bytes: number, nowMs: number, protect: ReadonlySet<string>, counted: boolean): boolean {
    const { o } = this
    while (this.cachedBytes + bytes > o.capacityBytes) {
      const victim = o.policy.victim(nowMs, protect)
      if (victim === undefined) return false
      const cached = this.cache.get(victim)
      if (cached === undefined || protect.has(victim)) {
        throw new PolicyContractError(`policy ${o.policy.name} chose ${victim} to evict, which is ${cached === undefined ? 'not cached' : 'protected'}`)
      }
      this.cache.delete(victim)
      this.cachedBytes -= cached.bytes
      o.policy.onEvict(victim)
      this.evicted?.push(victim)
      if (counted) this.result.evictions++
    }
    return true
  }

  private insert (blob: string, bytes: number, nowMs: number, cause: 'demand' | 'prefetch', origin: Origin): void {
    this.cache.set(blob, { bytes, origin })
    this.cachedBytes += bytes
    this.o.policy.onInsert(blob, bytes, nowMs, cause)
  }

  private checkInvariants (index: number): void {
    let sum = 0
    for (const { bytes } of this.cache.values()) sum += bytes
    if (sum !== this.cachedBytes) throw new CacheInvariantError(`after request ${index} the cache holds ${sum} bytes but counts ${this.cachedBytes}`)
    if (sum > this.o.capacityBytes) throw new CacheInvariantError(`after request ${index} the cache holds ${sum} bytes, above its capacity of ${this.o.capacityBytes}`)
  }
}

/** Replay `requests` (in time order) through one cache; see `SimulateOptions` and `SimulationResult`. */
export function simulate (requests: readonly TraceRequest[], options: SimulateOptions): SimulationResult {
  const checked = simulateOptions(options, requests)
  checked.signal?.throwIfAborted()
  return new Simulation(checked).run(requests)
}
