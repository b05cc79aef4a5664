/**
 * What the daemon's quorum offers its admin API and the CLI (`shoal quorum
 * status|targets|set`). `QuorumService` (a region seed's Raft node over
 * libp2p, with LevelDB storage) implements it; a daemon that is not a seed
 * forwards to a seed or answers from the targets it heard on
 * `shoal/targets/1`. The admin server depends only on this interface.
 */
import type { ReplicaTarget } from './targets/index.js'

export interface QuorumMemberStatus {
  /** The seed's peer id. */
  id: string
  region?: string
  /** On the leader: the highest log index known to be on this member. */
  matchIndex?: number
  /** On the leader: entries this member is behind the leader's last index. */
  lag?: number
  /** Whether this node has a connection to the member now (always true for itself). */
  connected: boolean
}

export interface QuorumStatus {
  /** This node's peer id. */
  id: string
  /** Whether this daemon is one of the voting seeds. */
  seed: boolean
  role: 'leader' | 'follower' | 'pre-candidate' | 'candidate' | 'observer'
  term: number
  /** The leader's peer id, when one is known. */
  leader?: string
  commitIndex: number
  appliedIndex: number
  members: QuorumMemberStatus[]
}

export interface TargetRow extends ReplicaTarget {
  digest: string
  region: string
}

export interface TargetFilter {
  /** Only this layer digest. */
  layer?: string
  region?: string
}

export interface SetTargetInput {
  digest: string
  region: string
  replicas: number
  reason: string
  /** Idempotency key; a retry with the same id is applied at most once. @default a random id */
  requestId?: string
  signal?: AbortSignal
}

export interface ClearTargetInput {
  digest: string
  region: string
  requestId?: string
  signal?: AbortSignal
}

export interface WriteResult {
  /** The log index of the committed entry. */
  index: number
  status: 'applied' | 'duplicate'
}

export interface QuorumApi {
  status (): Promise<QuorumStatus>
  /** Committed targets, read linearizably (ReadIndex through the leader). */
  targets (filter?: TargetFilter & { signal?: AbortSignal }): Promise<TargetRow[]>
  /** Commit one set; resolves once applied. Fails with a NotLeaderError-like error naming the leader, or a QuorumUnavailableError when no majority answers in time. */
  set (input: SetTargetInput): Promise<WriteResult>
  clear (input: ClearTargetInput): Promise<WriteResult>
  /** Several sets and clears applied atomically. */
  batch (input: { writes: Array<{ op: 'set', digest: string, region: string, replicas: number, reason: string } | { op: 'clear', digest: string, region: string }>, requestId?: string, signal?: AbortSignal }): Promise<WriteResult>
}
