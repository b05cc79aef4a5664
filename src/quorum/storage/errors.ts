/** Raft storage errors, each with a fixed `name` so callers match on it across module copies. */

/** A read or write on storage that is not open (never opened, closed, or closing). */
export class RaftStorageClosedError extends Error {
  override name = 'RaftStorageClosedError' as const
  constructor (message = 'the Raft storage is not open; open() it first') {
    super(message)
  }
}

/** An unknown or out-of-range storage option; the message names the fix. */
export class InvalidRaftStorageOptionError extends Error {
  override name = 'InvalidRaftStorageOptionError' as const
}
