/** Store defaults, built from units. The docs in `index.ts` are tested against these. */
import { MAX_MAX_BYTES } from '../shard/constants.js'

const second = 1000
const minute = 60 * second

/** Largest shard `put` accepts: the largest the chunker may cut (16 MiB). */
export const MAX_SHARD_BYTES = MAX_MAX_BYTES

/** How often in-memory shard access times are written to LevelDB (also on stop). */
export const ACCESS_FLUSH_INTERVAL_MS = 1 * minute

/** Decoded shard indexes kept in memory (have-maps and reads are frequent). */
export const INDEX_CACHE_SIZE = 64

/** Concurrent file hashes during start-up reconciliation. */
export const RECONCILE_CONCURRENCY = 4

/** Shard writes in flight while a blob is added from a stream (each holds one shard in memory). */
export const ADD_BLOB_PUTS_IN_FLIGHT = 4
