/** Limits and timings of the Raft transport, built from units. The docs in `index.ts` are tested against these. */
import { second } from '../../node/constants.js'
import { MESSAGE_MAX_BYTES } from '../raft/constants.js'

/** Messages waiting for one peer; when full, new ones are dropped (Raft sends again: heartbeats, probes, retried appends). */
export const SEND_QUEUE_MAX_MESSAGES = 256
/** Bytes waiting for one peer: two full snapshots. */
export const SEND_QUEUE_MAX_BYTES = 2 * MESSAGE_MAX_BYTES
/** First wait before dialling a peer again after a failure; it doubles up to RECONNECT_MAX_MS. */
export const RECONNECT_MIN_MS = 100
export const RECONNECT_MAX_MS = 5 * second
/** Longest a dial (and protocol selection) to a seed may take. */
export const RAFT_DIAL_TIMEOUT_MS = 3 * second
/** Longest a write may wait for the stream to drain before the stream is dropped and dialled again. */
export const RAFT_WRITE_TIMEOUT_MS = 10 * second
/** Raft streams a seed accepts on one connection (one is the norm; a reconnect overlaps the old one briefly). */
export const RAFT_STREAMS_PER_CONNECTION = 4
/** Bytes a receiving stream buffers before reading: two messages of the largest size. */
export const RAFT_READ_BUFFER_BYTES = 2 * MESSAGE_MAX_BYTES
