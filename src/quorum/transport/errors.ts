/** Raft transport errors, each with a fixed `name` so callers match on it across module copies. */

/** An unknown or out-of-range transport option; the message names the fix. */
export class InvalidRaftTransportOptionError extends Error {
  override name = 'InvalidRaftTransportOptionError' as const
}

/** A peer that may not speak Raft here: not a voter, or a message whose `from` is not the peer that sent it. */
export class RaftPeerRefusedError extends Error {
  override name = 'RaftPeerRefusedError' as const
}
