/** Replica-target limits. The docs in `index.ts` are tested against these. */
import { ENTRY_MAX_BYTES } from '../raft/constants.js'

/** Most replicas a region may be asked to keep of one layer. */
export const MAX_REPLICAS = 1000
/** Longest region name. */
export const REGION_MAX_CHARS = 64
/** Longest reason text (why the target is what it is: "priority 0.91", "operator pin"). */
export const REASON_MAX_CHARS = 256
/** Longest request id. */
export const REQUEST_ID_MAX_CHARS = 128
/** Most writes in one batch command. */
export const MAX_BATCH_WRITES = 256
/** Largest encoded command: it must fit in one Raft entry. */
export const COMMAND_MAX_BYTES = ENTRY_MAX_BYTES
/**
 * Request ids remembered for deduplication, oldest forgotten first. A client
 * retrying a request older than the last this-many is not deduplicated, so
 * retries must stop well before (at 1 request per second, hours).
 */
export const DEDUP_MAX_REQUESTS = 10_000
/** Most targets held; a set beyond it is refused (deterministically, in apply). */
export const MAX_TARGETS = 1_000_000
