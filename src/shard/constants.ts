/**
 * Defaults and limits of the shard subsystem, built from units. The chunker's
 * name and its gear seed define the algorithm: changing either changes every
 * shard boundary and every index, so that needs a new name (`fastcdc-v2`).
 */
const KiB = 1024
const MiB = 1024 * KiB

/** Name and version of the chunking algorithm; written into every index. */
export const CHUNKER_NAME = 'fastcdc-v1'

/** Default smallest shard (but the last). */
export const DEFAULT_MIN_BYTES = 256 * KiB
/** Default target average shard size; must be a power of two. */
export const DEFAULT_AVG_BYTES = 1 * MiB
/** Default largest shard. */
export const DEFAULT_MAX_BYTES = 4 * MiB

/** Lowest `minBytes` accepted. */
export const MIN_MIN_BYTES = 16
/** Lowest `avgBytes` accepted: the easy mask keeps at least 4 bits. */
export const MIN_AVG_BYTES = 64
/** Highest `maxBytes` accepted: the store's largest shard. */
export const MAX_MAX_BYTES = 16 * MiB

/**
 * FastCDC normalization level: the mask before `avgBytes` has this many bits
 * more than log2(avgBytes), the mask after it this many fewer, which pulls
 * shard sizes towards the average.
 */
export const NORMALIZATION_LEVEL = 2

/** Seed of the PRNG that fills the gear table (the bytes `SHOA`). Part of `fastcdc-v1`. */
export const GEAR_SEED = 0x53484f41

/** Bytes the gear scanner copies into WebAssembly memory at a time. */
export const SCAN_WINDOW_BYTES = 16 * KiB

/** Input buffers smaller than this are copied into a staging buffer instead of being kept as views. */
export const SMALL_INPUT_BYTES = 16 * KiB
/** Size of a staging buffer for the bytes of small input buffers. */
export const STAGE_BYTES = 256 * KiB

/** Smaller shards are hashed inline even with a WorkerHasher: the round trip would cost more than the hash. */
export const OFF_THREAD_HASH_MIN_BYTES = 64 * KiB

/** Version of the index encoding (the `version` field). */
export const INDEX_VERSION = 1
/** Largest encoded shard index accepted or produced. */
export const MAX_INDEX_BYTES = 8 * MiB
/** Most shards in one index (about 70 GiB of blob at the default parameters). */
export const MAX_INDEX_SHARDS = 64 * KiB

/** Shards a chunker may have on its hasher while it cuts the next: its memory is about (this + 1) * maxBytes. */
export const HASH_AHEAD_SHARDS = 2
/**
 * Shards a WorkerHasher has on its worker at once: one being hashed and one
 * queued, so the worker never idles. More are hashed on the calling thread
 * rather than waiting, which shares the hashing between the two threads.
 */
export const WORKER_HASH_MAX_IN_FLIGHT = 2
