/**
 * Raft for the region seeds' quorum, which decides how many replicas of
 * each layer each region keeps. A pure, synchronous state machine in the
 * manner of etcd/raft: the driver calls `tick()` on a timer and `step()`
 * with each decoded message, then takes a `Ready` (what to persist, what to
 * send, what was committed, which reads may be served), does it in order
 * and calls `advance()`. Term and vote travel together in the Ready's
 * `hardState`, and the Ready's messages leave only after it is durable, so
 * no reply ever depends on state a crash could forget.
 *
 * Included: leader election with PreVote and CheckQuorum; log replication
 * with pipelining and fast backtracking; commitment by counting only
 * entries of the leader's own term (a no-op is appended on election);
 * linearizable reads (ReadIndex); log compaction with snapshots; membership
 * change one voter at a time. The driver (libp2p transport, LevelDB
 * storage) lives elsewhere; `codec.ts` is the wire format both it and the
 * simulator (`sim/raft`) use, so every simulated message crosses the real
 * encoder and decoder.
 */
import { RaftNode } from './node.js'
import type { RaftTestBugs } from './raft.js'
import type { NodeId, PersistedState } from './types.js'

export * from './constants.js'
export * from './errors.js'
export * from './types.js'
export { decodeMessage, encodeMessage } from './codec.js'
export { majority } from './config.js'
export { RaftNode } from './node.js'
export { applyWrites, emptyState } from './persist.js'
export type { ReadyWrites } from './persist.js'
export type { RaftTestBugs } from './raft.js'

export interface RaftInit {
  /** This node's id; a seed's peer id in the daemon. */
  id: NodeId
  /**
   * The founding voters, this node among them. Used only when `persisted`
   * is empty: every founder writes the same first log entry from it. Leave
   * it out on a node that joins later; it waits for the leader to add it.
   */
  voters?: NodeId[]
  /** What this node's storage holds. @default empty (a first start) */
  persisted?: PersistedState
  /** Ticks without a leader before an election (randomized to [t, 2t)). @default ELECTION_TICKS (10) */
  electionTicks?: number
  /** Ticks between a leader's heartbeats. @default HEARTBEAT_TICKS (1) */
  heartbeatTicks?: number
  /** Ask for pre-votes before raising the term. @default true */
  preVote?: boolean
  /** A leader steps down when it has not heard from a majority for an election timeout. @default true */
  checkQuorum?: boolean
  /** @default MAX_ENTRIES_PER_MESSAGE (64), also the most allowed */
  maxEntriesPerMessage?: number
  /** @default MAX_APPEND_BYTES (1 MiB), also the most allowed */
  maxAppendBytes?: number
  /** Unacknowledged appends per follower. @default MAX_INFLIGHT_MESSAGES (16) */
  maxInflightMessages?: number
  /** @default MAX_UNCOMMITTED_ENTRIES (4096) */
  maxUncommittedEntries?: number
  /** @default MAX_PENDING_READS (1024) */
  maxPendingReads?: number
  /** Re-introduce classic Raft bugs, for the simulator's self-test. Never in production. */
  unsafeTestBugs?: RaftTestBugs
}

export interface RaftComponents {
  /**
   * Numbers in [0, 1) that randomize election timeouts. Seeded in the
   * simulator so a run replays exactly; any decent generator in the daemon.
   */
  random: () => number
}

export function createRaftNode (init: RaftInit, components: RaftComponents): RaftNode {
  return new RaftNode(init, components)
}
