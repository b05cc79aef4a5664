/** Errors of the shard subsystem, each with a fixed `name` to match on. */

/** Chunker parameters or options that cannot be used; the message names the fix. */
export class InvalidChunkerParamsError extends Error {
  override name = 'InvalidChunkerParamsError' as const
}

/** A shard index that is malformed or breaks a rule; the message names which. */
export class InvalidIndexError extends Error {
  override name = 'InvalidIndexError' as const
}

/** A blob cut into more shards than an index may list (`MAX_INDEX_SHARDS`). */
export class TooManyShardsError extends Error {
  override name = 'TooManyShardsError' as const
}

/** The worker hasher was stopped while it had shards to hash. */
export class HasherStoppedError extends Error {
  override name = 'HasherStoppedError' as const
}
