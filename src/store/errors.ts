/**
 * Store errors. Each has a fixed `name` so callers match on it
 * (`err.name === 'ShardNotFoundError'`) across module copies; the mirror and
 * exchange map them to OCI bodies, HTTP statuses and wire codes at the edge.
 */

/** The store does not hold this shard (or held it corrupt, and removed it). */
export class ShardNotFoundError extends Error {
  override name = 'ShardNotFoundError' as const
  constructor (readonly cid: string, message?: string, options?: ErrorOptions) {
    super(message ?? `shard ${cid} is not in the store`, options)
  }
}

/** The store has no shard index for this blob. */
export class BlobNotFoundError extends Error {
  override name = 'BlobNotFoundError' as const
  constructor (readonly digest: string, message?: string) {
    super(message ?? `blob ${digest} has no shard index in the store`)
  }
}

/** Bytes offered for a CID do not hash to it, or the CID is not a shard CID (CIDv1, raw, sha2-256). */
export class ShardVerificationError extends Error {
  override name = 'ShardVerificationError' as const
  constructor (readonly cid: string, message?: string) {
    super(message ?? `shard bytes do not match ${cid}`)
  }
}

/** A put would take the store past its capacity. Eviction may free room; then retry. */
export class StoreFullError extends Error {
  override name = 'StoreFullError' as const
  constructor (readonly neededBytes: number, readonly usedBytes: number, readonly capacityBytes: number) {
    super(`store full: ${neededBytes} bytes needed, ${usedBytes} of ${capacityBytes} used or reserved`)
  }
}

/** A shard larger than the configured `maxShardBytes`. */
export class ShardTooLargeError extends Error {
  override name = 'ShardTooLargeError' as const
  constructor (readonly cid: string, readonly sizeBytes: number, readonly maxShardBytes: number) {
    super(`shard ${cid} is ${sizeBytes} bytes, more than the limit of ${maxShardBytes}`)
  }
}

/** A byte range outside the blob (the mirror answers 416). */
export class InvalidRangeError extends Error {
  override name = 'InvalidRangeError' as const
  constructor (readonly digest: string, readonly offset: number, readonly length: number, readonly size: number) {
    super(`range offset=${offset} length=${length} is outside blob ${digest} of ${size} bytes`)
  }
}

/** Added bytes did not hash to the digest the caller expected. */
export class BlobDigestMismatchError extends Error {
  override name = 'BlobDigestMismatchError' as const
  constructor (readonly expected: string, readonly actual: string) {
    super(`blob digest mismatch: expected ${expected}, got ${actual}`)
  }
}

/** An operation on a store that is not started (or is stopping). */
export class StoreClosedError extends Error {
  override name = 'StoreClosedError' as const
  constructor (message = 'the store is not started') {
    super(message)
  }
}

/** An invalid option given to a store constructor; the message names the fix. */
export class InvalidStoreOptionError extends Error {
  override name = 'InvalidStoreOptionError' as const
}
