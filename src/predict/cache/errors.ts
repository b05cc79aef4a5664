/** Cache simulator errors, each with a fixed `name` so callers match on it across module copies. */

/** An unknown or out-of-range option given to `simulate`, `evaluate`, a policy or a prefetcher; the message names the option. */
export class InvalidCacheOptionError extends Error {
  override name = 'InvalidCacheOptionError' as const
}

/** A request that cannot be replayed: out of time order, a negative or fractional size, an empty blob id. The message gives its index. */
export class InvalidTraceRequestError extends Error {
  override name = 'InvalidTraceRequestError' as const
}

/** An eviction policy or a prefetcher broke its contract: a victim that is not cached or is protected, a malformed prefetch candidate. */
export class PolicyContractError extends Error {
  override name = 'PolicyContractError' as const
}

/** Belady's policy was told of a request that is not in the trace it was built from. */
export class TraceMismatchError extends Error {
  override name = 'TraceMismatchError' as const
}

/** A test-mode check failed after a request: the cache holds more than its capacity, or its byte count is off. */
export class CacheInvariantError extends Error {
  override name = 'CacheInvariantError' as const
}
