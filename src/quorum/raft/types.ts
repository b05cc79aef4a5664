/**
 * The values the Raft core takes and hands out. Plain data only: the core
 * never does I/O, so everything it wants done (persist, send, apply) comes
 * out of `ready()` as one of these.
 */

/** A seed's identity in the quorum: its libp2p peer id in the daemon, any short string in tests. */
export type NodeId = string

export type EntryKind = 'noop' | 'command' | 'config'

export interface Entry {
  index: number
  term: number
  /** `noop`: a new leader's first entry; `command`: state machine data; `config`: `data` is an encoded `ClusterConfig`. */
  kind: EntryKind
  data: Uint8Array
}

/** The voters of the quorum. Every change adds or removes exactly one of them. */
export interface ClusterConfig {
  /** Sorted, no duplicates. */
  voters: NodeId[]
}

/**
 * What must be on disk before any message of the same Ready leaves.
 * `term` and `vote` are written together: a vote is only ever for `term`.
 */
export interface HardState {
  term: number
  /** Whom this node voted for in `term`, or null. */
  vote: NodeId | null
  commit: number
}

/** The state machine as of `index`, with the log's position and configuration there. */
export interface Snapshot {
  index: number
  term: number
  config: ClusterConfig
  data: Uint8Array
}

/** What a restarted node finds on disk (all empty on first start). */
export interface PersistedState {
  hardState: HardState
  /** Entries after `snapshot.index` (or from 1), contiguous. */
  entries: Entry[]
  snapshot?: Snapshot
}

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader'

interface MessageBase {
  from: NodeId
  to: NodeId
  term: number
}

/** RequestVote; a pre-vote carries the term the candidate would take, and changes nobody's term. */
export interface VoteRequest extends MessageBase {
  type: 'vote' | 'pre-vote'
  lastIndex: number
  lastTerm: number
}

export interface VoteResponse extends MessageBase {
  type: 'vote-response' | 'pre-vote-response'
  granted: boolean
}

/** AppendEntries. An empty `entries` is a probe. */
export interface AppendRequest extends MessageBase {
  type: 'append'
  prevIndex: number
  prevTerm: number
  entries: Entry[]
  commit: number
}

export interface AppendResponse extends MessageBase {
  type: 'append-response'
  /** Accepted: the last index now known to match the leader. Rejected: the `prevIndex` refused. */
  index: number
  reject: boolean
  /** On reject, where the leader should probe next: the follower's last entry with a term <= `hintTerm`. */
  hintIndex: number
  hintTerm: number
}

export interface Heartbeat extends MessageBase {
  type: 'heartbeat'
  /** The leader's commit, capped at what this follower is known to match. */
  commit: number
  /** The newest ReadIndex request waiting for a quorum, echoed back; '' when none. */
  context: string
}

export interface HeartbeatResponse extends MessageBase {
  type: 'heartbeat-response'
  context: string
}

/** InstallSnapshot, in one message (snapshots are bounded by SNAPSHOT_MAX_BYTES). */
export interface SnapshotRequest extends MessageBase {
  type: 'snapshot'
  snapshot: Snapshot
}

/** A follower forwards a linearizable read to the leader. */
export interface ReadIndexRequest extends MessageBase {
  type: 'read-index'
  context: string
}

export interface ReadIndexResponse extends MessageBase {
  type: 'read-index-response'
  context: string
  index: number
}

export type Message =
  | VoteRequest | VoteResponse
  | AppendRequest | AppendResponse
  | Heartbeat | HeartbeatResponse
  | SnapshotRequest
  | ReadIndexRequest | ReadIndexResponse

export type MessageType = Message['type']

/** A linearizable read may be served once the state machine has applied `index`. */
export interface ReadState {
  index: number
  context: string
}

/** Who leads, as this node believes; not persisted. */
export interface SoftState {
  role: Role
  leaderId: NodeId | null
}

/**
 * Everything the node wants done, in this order:
 * 1. `snapshot`: replace the whole stored log with it (installed from the leader).
 * 2. `compacted`: store it as the snapshot and drop stored entries up to its index.
 * 3. `entries`: drop stored entries from `entries[0].index` on, then append them.
 * 4. `hardState`: store it.
 * 5. If `mustSync`, make 1-4 durable (fsync) before going on.
 * 6. Send `messages`.
 * 7. Restore the state machine from `snapshot`, then apply `committed` in order.
 * 8. Serve reads in `readStates` once the state machine has applied their index.
 * 9. Call `advance()`; only then is the next Ready available.
 */
export interface Ready {
  softState?: SoftState
  hardState?: HardState
  entries: Entry[]
  snapshot?: Snapshot
  compacted?: Snapshot
  /** When false nothing in this Ready needs to be durable before its messages leave (only `commit` changed). */
  mustSync: boolean
  messages: Message[]
  committed: Entry[]
  readStates: ReadState[]
}

/** One seed added to or removed from the voters. */
export interface ConfigChange {
  type: 'add-voter' | 'remove-voter'
  nodeId: NodeId
}

export interface ProgressStatus {
  match: number
  next: number
  state: 'probe' | 'replicate' | 'snapshot'
}

export interface RaftStatus {
  id: NodeId
  role: Role
  term: number
  vote: NodeId | null
  leaderId: NodeId | null
  commit: number
  applied: number
  firstIndex: number
  lastIndex: number
  /** Highest index known to be on this node's disk. */
  stableIndex: number
  config: ClusterConfig
  /** Leader only: each voter's replication state. */
  progress?: Record<NodeId, ProgressStatus>
}
