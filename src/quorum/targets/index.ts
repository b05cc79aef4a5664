/**
 * Replica targets: how many copies of each layer each region should keep,
 * as decided by the region seeds' Raft quorum. This is the state machine
 * the quorum replicates. Commands (set, clear, or a batch of them, each
 * with an idempotent request id) are encoded into Raft entries by
 * `encodeCommand`; every seed applies committed entries in log order with
 * `apply`, and compacts its log with `snapshot` / `restore`. Pure and
 * deterministic: no clock (the leader stamps `atMs` into the command), no
 * I/O, and iteration in a fixed order, so equal logs give equal states and
 * equal snapshot bytes.
 */
import { DEDUP_MAX_REQUESTS } from './constants.js'
import { ReplicaTargets } from './state-machine.js'

export * from './constants.js'
export * from './errors.js'
export { decodeCommand, encodeCommand, validateCommand } from './command.js'
export type { ClearWrite, SetWrite, TargetCommand, TargetWrite } from './command.js'
export type { ReplicaTargets } from './state-machine.js'

export interface ReplicaTarget {
  /** Copies the region should hold, 0 to MAX_REPLICAS. */
  replicas: number
  /** Why: the inputs behind the number, for people reading `shoal targets`. */
  reason: string
  /** When the leader accepted the write that set it, ms since the epoch. */
  updatedAt: number
}

/** The part of a Raft entry the state machine reads. */
export interface TargetEntry {
  index: number
  kind: 'noop' | 'command' | 'config'
  data: Uint8Array
}

export type ApplyResult =
  | { index: number, requestId: string, status: 'applied' | 'duplicate', firstIndex: number, changed: number }
  | { index: number, requestId?: string, status: 'rejected', error: string }

export interface TargetsStateMachine {
  /** The last index applied (or restored). */
  readonly appliedIndex: number
  readonly size: number
  /**
   * Apply the next committed entry (index `appliedIndex + 1`). Commands give
   * a result; other entries (no-ops, configuration) only advance the index.
   */
  apply (entry: TargetEntry): ApplyResult | undefined
  get (digest: string, region: string): ReplicaTarget | undefined
  /** Every target, ordered by digest then region. */
  list (): Array<ReplicaTarget & { digest: string, region: string }>
  /** The whole state, including applied request ids, as bytes. */
  snapshot (): Uint8Array
  /** Replace the state with a snapshot's. Throws CorruptTargetsSnapshotError and leaves the state alone on bad bytes. */
  restore (data: Uint8Array): void
}

export interface TargetsInit {
  /** Request ids remembered for deduplication. @default DEDUP_MAX_REQUESTS (10000) */
  dedupMaxRequests?: number
}

export function createReplicaTargets (init: TargetsInit = {}): ReplicaTargets {
  const max = init.dedupMaxRequests ?? DEDUP_MAX_REQUESTS
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('dedupMaxRequests must be a positive integer')
  return new ReplicaTargets(max)
}
