/** Replica-target errors, each with a fixed `name` so callers match on it across module copies. */

/** A command that is not well formed (bad digest, region, count, request id, too many writes, too large). */
export class InvalidTargetCommandError extends Error {
  override name = 'InvalidTargetCommandError' as const
}

/** Snapshot bytes that do not decode to a valid replica-target state. */
export class CorruptTargetsSnapshotError extends Error {
  override name = 'CorruptTargetsSnapshotError' as const
}

/** Entries applied out of order: the Raft driver must apply each committed index once, in order. */
export class ApplyOrderError extends Error {
  override name = 'ApplyOrderError' as const
}
