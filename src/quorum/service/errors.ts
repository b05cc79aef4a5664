/** Quorum service errors, each with a fixed `name` so callers (the admin API, the CLI) match on it across module copies. */

/**
 * No majority of seeds answered in time. The message says what is missing,
 * e.g. "no leader: 1 of 3 seeds reachable, need 2"; the fields say it for
 * programs. A minority seed fails writes with this rather than waiting.
 */
export class QuorumUnavailableError extends Error {
  override name = 'QuorumUnavailableError' as const
  /** Seeds (this one included) with an open connection from here. */
  readonly reachable: number
  readonly voters: number
  /** Seeds needed for a majority. */
  readonly need: number
  readonly leaderId: string | null
  constructor (message: string, detail: { reachable: number, voters: number, need: number, leaderId?: string | null }) {
    super(message)
    this.reachable = detail.reachable
    this.voters = detail.voters
    this.need = detail.need
    this.leaderId = detail.leaderId ?? null
  }
}

/** Too many writes or reads are waiting already (QUORUM_MAX_PENDING_WRITES / _READS, or the leader's own limits): retry later. */
export class QuorumBusyError extends Error {
  override name = 'QuorumBusyError' as const
}

/** The write was committed and the state machine refused it deterministically (e.g. MAX_TARGETS reached). Retrying will not help. */
export class QuorumWriteRejectedError extends Error {
  override name = 'QuorumWriteRejectedError' as const
}

/** The quorum node is not running: not started, stopped, or halted after its storage failed. */
export class QuorumStoppedError extends Error {
  override name = 'QuorumStoppedError' as const
}

/** An unknown or out-of-range option; the message names the fix. */
export class InvalidQuorumOptionError extends Error {
  override name = 'InvalidQuorumOptionError' as const
}

/** A malformed request or answer on QUORUM_PROTOCOL (bad JSON, a missing field, beyond a size limit). */
export class QuorumProtocolError extends Error {
  override name = 'QuorumProtocolError' as const
}

/** An answer would be larger than QUORUM_RESPONSE_MAX_BYTES (e.g. every target): ask with a layer or region filter. */
export class QuorumAnswerTooLargeError extends Error {
  override name = 'QuorumAnswerTooLargeError' as const
}

/** The stream to a seed closed or was reset before its answer came. */
export class QuorumStreamClosedError extends Error {
  override name = 'QuorumStreamClosedError' as const
}

/** A seed answered with an error this version does not know; `remoteName` is the name it gave. */
export class QuorumRemoteError extends Error {
  override name = 'QuorumRemoteError' as const
  readonly remoteName: string
  constructor (remoteName: string, message: string) {
    super(message)
    this.remoteName = remoteName
  }
}
