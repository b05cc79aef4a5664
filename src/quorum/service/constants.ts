/** Quorum service defaults and limits, built from units. The docs in `index.ts` are tested against these. */
import { KiB, MiB, second } from '../../node/constants.js'

/** Request/response between any daemon and a seed: forwarded writes, linearizable reads, status. JSON, length-prefixed. */
export const QUORUM_PROTOCOL = '/shoal/quorum/1.0.0'

/** How long a write or a read waits for the quorum before a QuorumUnavailableError. */
export const QUORUM_REQUEST_TIMEOUT_MS = 5 * second
/** The log is compacted into a snapshot of the targets every this many applied entries. */
export const SNAPSHOT_EVERY_ENTRIES = 1000
/** Writes waiting for their commit on one node; beyond it a write fails with QuorumBusyError instead of queueing. */
export const QUORUM_MAX_PENDING_WRITES = 1024
/** Linearizable reads waiting on one node; beyond it QuorumBusyError. */
export const QUORUM_MAX_PENDING_READS = 1024

/** Largest request on QUORUM_PROTOCOL: a full batch command and its envelope. */
export const QUORUM_REQUEST_MAX_BYTES = 128 * KiB
/** Largest answer: about 100,000 targets; ask with a layer or region filter for more. */
export const QUORUM_RESPONSE_MAX_BYTES = 16 * MiB
/** Requests a seed serves at once, from everyone; more are answered QuorumBusyError. */
export const QUORUM_MAX_CONCURRENT_REQUESTS = 64
/** QUORUM_PROTOCOL streams one connection may open at once. */
export const QUORUM_STREAMS_PER_CONNECTION = 16
/** Longest a seed waits for the request after a stream opens. */
export const QUORUM_REQUEST_READ_TIMEOUT_MS = 5 * second
