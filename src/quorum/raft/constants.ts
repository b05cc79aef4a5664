/**
 * Raft defaults and limits. Time is counted in ticks: the driver calls
 * `tick()` every RAFT_TICK_MS, so the core itself never reads a clock. The
 * docs in `index.ts` are tested against these.
 */
import { KiB, MiB } from '../../node/constants.js'

/** The libp2p protocol the seeds speak Raft over: length-prefixed messages in codec.ts's encoding. */
export const RAFT_PROTOCOL = '/shoal/raft/1.0.0'

/** How often the daemon should call `tick()`. */
export const RAFT_TICK_MS = 100
/** A follower that hears nothing from a leader for this many ticks (randomized up to twice it) starts an election. */
export const ELECTION_TICKS = 10
/** A leader sends heartbeats every this many ticks; must be well below ELECTION_TICKS. */
export const HEARTBEAT_TICKS = 1

/** Most entries in one append message. */
export const MAX_ENTRIES_PER_MESSAGE = 64
/** Most entry bytes in one append message (at least one entry is always sent). */
export const MAX_APPEND_BYTES = 1 * MiB
/** Append messages in flight to one follower before the leader waits for acknowledgements. */
export const MAX_INFLIGHT_MESSAGES = 16
/** Entries a leader holds beyond its commit index; beyond it proposals fail fast instead of queueing. */
export const MAX_UNCOMMITTED_ENTRIES = 4096
/** Most committed entries handed out in one Ready; the rest come in the next. */
export const MAX_COMMITTED_PER_READY = 1024
/** Linearizable reads waiting for a quorum or for the leader's first commit. */
export const MAX_PENDING_READS = 1024

/** Largest entry payload a proposal may carry. */
export const ENTRY_MAX_BYTES = 64 * KiB
/** Largest snapshot; a snapshot travels in one message. */
export const SNAPSHOT_MAX_BYTES = 16 * MiB
/** Largest encoded message: a full snapshot plus headroom. */
export const MESSAGE_MAX_BYTES = SNAPSHOT_MAX_BYTES + 64 * KiB
/** Longest node id (a libp2p peer id is 52 characters in base58). */
export const NODE_ID_MAX_CHARS = 128
/** Longest read context. */
export const READ_CONTEXT_MAX_CHARS = 128
/** Most voters in a quorum: region seeds are a handful, not a crowd. */
export const MAX_VOTERS = 9
