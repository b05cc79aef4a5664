/** Raft errors, each with a fixed `name` so callers match on it across module copies. */
import type { NodeId } from './types.js'

/** A proposal or read on a node that is not the leader; `leaderId` is who is, if known. */
export class NotLeaderError extends Error {
  override name = 'NotLeaderError' as const
  readonly leaderId: NodeId | null
  constructor (leaderId: NodeId | null) {
    super(leaderId == null ? 'not the leader, and no leader is known' : `not the leader; ${leaderId} is`)
    this.leaderId = leaderId
  }
}

/** The leader holds MAX_UNCOMMITTED_ENTRIES (or MAX_PENDING_READS reads): retry later rather than queue more. */
export class RaftBusyError extends Error {
  override name = 'RaftBusyError' as const
}

/** A proposal larger than ENTRY_MAX_BYTES, or a snapshot larger than SNAPSHOT_MAX_BYTES. */
export class EntryTooLargeError extends Error {
  override name = 'EntryTooLargeError' as const
}

/**
 * A configuration change refused: another is not yet committed, the leader
 * has not committed an entry of its term yet, or the change is not one
 * voter added or removed.
 */
export class ConfigChangeError extends Error {
  override name = 'ConfigChangeError' as const
}

/** An unknown or out-of-range option; the message names the fix. */
export class InvalidRaftOptionError extends Error {
  override name = 'InvalidRaftOptionError' as const
}

/** Persisted state that cannot be right (a gap in the log, a commit beyond it); the node refuses to start. */
export class CorruptStateError extends Error {
  override name = 'CorruptStateError' as const
}

/** `ready()` called again before `advance()`, or `advance()` without a Ready. */
export class ReadyProtocolError extends Error {
  override name = 'ReadyProtocolError' as const
}

/**
 * Something the Raft paper proves cannot happen did (a committed entry
 * about to be overwritten). Like etcd/raft's panics: stop, do not limp on.
 */
export class RaftInvariantError extends Error {
  override name = 'RaftInvariantError' as const
}

/** Bytes that are not a Raft message (bad protobuf, unknown type, missing or out-of-range field). */
export class MalformedMessageError extends Error {
  override name = 'MalformedMessageError' as const
}

/** A message or field beyond its limit (MESSAGE_MAX_BYTES, MAX_ENTRIES_PER_MESSAGE, ...). */
export class MessageTooLargeError extends Error {
  override name = 'MessageTooLargeError' as const
}
