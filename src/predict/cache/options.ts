/** Check the simulator's and the evaluation's options once, before a run, and fill in the defaults. */
import { DEFAULT_PREFETCH_BUDGET_FRACTION, DEFAULT_WARMUP_FRACTION, EVALUATE_MAX_FRACTIONS, MAX_SIMULATED_REQUESTS } from './constants.js'
import { InvalidCacheOptionError, InvalidTraceRequestError } from './errors.js'
import { POLICY_NAMES, type EvaluateOptions, type EvictionPolicy, type ManifestMode, type PolicyName, type Prefetcher, type SimulateOptions } from './index.js'
import type { TraceRequest } from '../types.js'

const SIMULATE_KNOWN = ['capacityBytes', 'policy', 'prefetcher', 'warmupMs', 'warmupFraction', 'maxPrefetchBytesPerRequest', 'checkInvariants', 'onStep', 'signal', 'manifests']
const EVALUATE_KNOWN = ['fractions', 'policies', 'manifestPolicies', 'extra', 'warmupFraction', 'warmupMs', 'maxPrefetchBytesPerRequest', 'signal', 'manifests']
const POLICY_METHODS = ['onHit', 'onInsert', 'victim', 'onEvict'] as const
const PREFETCHER_METHODS = ['observe', 'suggest'] as const

export interface CheckedSimulateOptions {
  capacityBytes: number
  policy: EvictionPolicy
  prefetcher: Prefetcher | undefined
  /** Requests with `tsMs` below this are the warm-up. */
  warmupEndMs: number
  maxPrefetchBytesPerRequest: number
  checkInvariants: boolean
  manifests: ManifestMode
  onStep: SimulateOptions['onStep']
  signal: AbortSignal | undefined
}

export function manifestMode (what: string, value: unknown): ManifestMode {
  if (value === undefined) return 'signal'
  if (value !== 'signal' && value !== 'cache') throw new InvalidCacheOptionError(`${what} option manifests must be "signal" or "cache", got ${JSON.stringify(value)}`)
  return value
}

function refuseUnknown (what: string, given: object, known: readonly string[]): void {
  for (const key of Object.keys(given)) {
    if (!known.includes(key)) throw new InvalidCacheOptionError(`unknown ${what} option "${key}"; known options: ${known.join(', ')}`)
  }
}

function nonNegativeInteger (what: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidCacheOptionError(`${what} option ${name} must be a non-negative integer, got ${String(value)}`)
  }
  return value
}

/** The warm-up's end, from `warmupMs` or `warmupFraction` (not both) and the trace's time span. */
function warmupEnd (what: string, options: { warmupMs?: number, warmupFraction?: number }, requests: readonly TraceRequest[]): number {
  if (options.warmupMs !== undefined && options.warmupFraction !== undefined) {
    throw new InvalidCacheOptionError(`${what}: give warmupMs or warmupFraction, not both`)
  }
  const fraction = options.warmupFraction ?? DEFAULT_WARMUP_FRACTION
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction < 1)) {
    throw new InvalidCacheOptionError(`${what} option warmupFraction must be at least 0 and below 1, got ${String(fraction)}`)
  }
  if (options.warmupMs !== undefined) {
    const { warmupMs } = options
    if (typeof warmupMs !== 'number' || !Number.isFinite(warmupMs) || warmupMs < 0) {
      throw new InvalidCacheOptionError(`${what} option warmupMs must be a non-negative number of ms, got ${String(warmupMs)}`)
    }
  }
  const first = requests[0]?.tsMs ?? 0
  const last = requests[requests.length - 1]?.tsMs ?? 0
  return options.warmupMs !== undefined ? first + options.warmupMs : first + fraction * (last - first)
}

function checkTraceLength (requests: readonly TraceRequest[]): void {
  if (!Array.isArray(requests)) throw new InvalidTraceRequestError('the trace must be an array of requests')
  if (requests.length > MAX_SIMULATED_REQUESTS) {
    throw new InvalidTraceRequestError(`the trace has ${requests.length} requests; at most ${MAX_SIMULATED_REQUESTS} are replayed at once (cut it, e.g. by time)`)
  }
}

function checkMethods (what: string, value: unknown, methods: readonly string[]): void {
  const missing = methods.filter(m => typeof (value as Record<string, unknown> | undefined)?.[m] !== 'function')
  if (missing.length > 0) throw new InvalidCacheOptionError(`${what} lacks ${missing.join(', ')}`)
}

export function simulateOptions (options: SimulateOptions, requests: readonly TraceRequest[]): CheckedSimulateOptions {
  if (typeof options !== 'object' || options == null) throw new InvalidCacheOptionError('simulate options must be an object')
  refuseUnknown('simulate', options, SIMULATE_KNOWN)
  checkTraceLength(requests)
  const capacityBytes = nonNegativeInteger('simulate', 'capacityBytes', options.capacityBytes)
  checkMethods('simulate option policy', options.policy, POLICY_METHODS)
  if (options.prefetcher !== undefined) checkMethods('simulate option prefetcher', options.prefetcher, PREFETCHER_METHODS)
  if (options.onStep !== undefined && typeof options.onStep !== 'function') throw new InvalidCacheOptionError('simulate option onStep must be a function')
  const maxPrefetchBytesPerRequest = options.maxPrefetchBytesPerRequest === undefined
    ? Math.floor(DEFAULT_PREFETCH_BUDGET_FRACTION * capacityBytes)
    : nonNegativeInteger('simulate', 'maxPrefetchBytesPerRequest', options.maxPrefetchBytesPerRequest)
  return {
    capacityBytes,
    policy: options.policy,
    prefetcher: options.prefetcher,
    warmupEndMs: warmupEnd('simulate', options, requests),
    maxPrefetchBytesPerRequest,
    checkInvariants: options.checkInvariants === true,
    manifests: manifestMode('simulate', options.manifests),
    onStep: options.onStep,
    signal: options.signal
  }
}

export interface CheckedEvaluateOptions {
  fractions: number[]
  policies: PolicyName[]
  manifestPolicies: PolicyName[]
  manifests: ManifestMode
}

function policyList (name: string, value: unknown): PolicyName[] {
  if (!Array.isArray(value)) throw new InvalidCacheOptionError(`evaluate option ${name} must be an array of policy names`)
  for (const p of value) {
    if (!POLICY_NAMES.includes(p)) throw new InvalidCacheOptionError(`evaluate option ${name}: unknown policy "${String(p)}"; known policies: ${POLICY_NAMES.join(', ')}`)
  }
  return [...new Set(value as PolicyName[])]
}

/** Checks everything up front, so a bad option fails before the first run rather than after some. */
export function evaluateOptions (options: EvaluateOptions, requests: readonly TraceRequest[]): CheckedEvaluateOptions {
  if (typeof options !== 'object' || options == null) throw new InvalidCacheOptionError('evaluate options must be an object')
  refuseUnknown('evaluate', options, EVALUATE_KNOWN)
  checkTraceLength(requests)
  const { fractions } = options
  if (!Array.isArray(fractions) || fractions.length === 0 || fractions.length > EVALUATE_MAX_FRACTIONS) {
    throw new InvalidCacheOptionError(`evaluate option fractions must list 1 to ${EVALUATE_MAX_FRACTIONS} cache sizes`)
  }
  for (const f of fractions) {
    if (typeof f !== 'number' || !(f > 0 && f <= 1)) throw new InvalidCacheOptionError(`evaluate option fractions: each must be above 0 and at most 1, got ${String(f)}`)
  }
  warmupEnd('evaluate', options, requests)
  if (options.maxPrefetchBytesPerRequest !== undefined) nonNegativeInteger('evaluate', 'maxPrefetchBytesPerRequest', options.maxPrefetchBytesPerRequest)
  const policies = policyList('policies', options.policies)
  const manifestPolicies = options.manifestPolicies === undefined
    ? policies.filter(p => p !== 'belady' && p !== 'belady-size')
    : policyList('manifestPolicies', options.manifestPolicies)
  if (options.extra !== undefined) {
    if (!Array.isArray(options.extra)) throw new InvalidCacheOptionError('evaluate option extra must be an array of { name, make }')
    const names = new Set<string>()
    for (const e of options.extra) {
      if (typeof e?.name !== 'string' || e.name === '' || typeof e.make !== 'function') throw new InvalidCacheOptionError('evaluate option extra: each must be { name: a non-empty string, make: a function }')
      if (names.has(e.name) || POLICY_NAMES.includes(e.name as PolicyName)) throw new InvalidCacheOptionError(`evaluate option extra: the name "${e.name}" is taken`)
      names.add(e.name)
    }
  }
  return { fractions: [...fractions], policies, manifestPolicies, manifests: manifestMode('evaluate', options.manifests) }
}
