/**
 * RaftNode: the Raft state machine behind etcd/raft's Ready pattern. The
 * driver feeds it `tick()`s, messages and requests; then asks `ready()` for
 * everything that resulted (what to persist, what to send, what was
 * committed) and calls `advance()` once that is done. Nothing here blocks
 * or awaits: a decision is made entirely inside one synchronous call.
 */
import { applyChange, encodeConfig, makeConfig, validateNodeId } from './config.js'
import {
  ELECTION_TICKS, ENTRY_MAX_BYTES, HEARTBEAT_TICKS, MAX_APPEND_BYTES, MAX_COMMITTED_PER_READY, MAX_ENTRIES_PER_MESSAGE,
  MAX_INFLIGHT_MESSAGES, MAX_PENDING_READS, MAX_UNCOMMITTED_ENTRIES, READ_CONTEXT_MAX_CHARS, SNAPSHOT_MAX_BYTES
} from './constants.js'
import { ConfigChangeError, EntryTooLargeError, InvalidRaftOptionError, NotLeaderError, RaftBusyError, ReadyProtocolError } from './errors.js'
import { bcastAppend, handleReadIndex } from './leader.js'
import { Raft } from './raft.js'
import type { RaftOptions, RaftTestBugs } from './raft.js'
import type { ConfigChange, Entry, HardState, Message, PersistedState, RaftStatus, Ready, SoftState } from './types.js'
import type { RaftComponents, RaftInit } from './index.js'

const EMPTY_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 }

const KNOWN_OPTIONS = new Set(['id', 'voters', 'persisted', 'electionTicks', 'heartbeatTicks', 'preVote', 'checkQuorum',
  'maxEntriesPerMessage', 'maxAppendBytes', 'maxInflightMessages', 'maxUncommittedEntries', 'maxPendingReads', 'unsafeTestBugs'])
const KNOWN_BUGS = new Set(['commitEarlierTerm', 'voteWithoutLogCheck', 'replyBeforePersist', 'truncateWithoutConflict'])

interface InFlight {
  lastEntry?: { index: number, term: number }
  committedTo?: number
}

export class RaftNode {
  readonly id: string
  private readonly raft: Raft
  private prevSoft: SoftState
  private prevHard: HardState
  /** The last committed index handed to the state machine (applied once advanced). */
  private applyingTo: number
  private inFlight: InFlight | undefined

  constructor (init: RaftInit, components: RaftComponents) {
    const opts = resolveOptions(init, components)
    const persisted: PersistedState = init.persisted ?? { hardState: EMPTY_HARD_STATE, entries: [] }
    const bootstrap = init.voters == null || init.voters.length === 0 ? undefined : makeConfig(init.voters)
    this.id = opts.id
    this.raft = new Raft(opts, persisted, bootstrap)
    this.prevHard = { ...persisted.hardState }
    this.prevSoft = { role: 'follower', leaderId: null }
    this.applyingTo = this.raft.log.applied
  }

  /** One unit of time passed (RAFT_TICK_MS in the daemon). */
  tick (): void {
    this.raft.tick()
  }

  /** A message from another node (decoded by codec.ts). Messages not addressed to this node are dropped. */
  step (message: Message): void {
    this.raft.step(message)
  }

  /** Start an election now instead of waiting for the timer (tests, and a seed asked to take over). */
  campaign (): void {
    this.raft.hup()
  }

  /**
   * Leader only: append a command to the log. It is committed when it comes
   * out of a later Ready's `committed`; it may also never be (a new leader
   * can overwrite it), so callers match their requests by id, not index.
   */
  propose (data: Uint8Array): { index: number, term: number } {
    const r = this.mustLead()
    if (data.byteLength > ENTRY_MAX_BYTES) throw new EntryTooLargeError(`a proposal is at most ${ENTRY_MAX_BYTES} bytes; this one is ${data.byteLength}`)
    this.checkUncommitted()
    const [e] = r.appendEntries([{ kind: 'command', data }])
    bcastAppend(r)
    return { index: e!.index, term: e!.term }
  }

  /**
   * Leader only: add or remove one voter. Refused until the leader has
   * committed an entry of its term (otherwise an older uncommitted change
   * could still be overwritten: the bug Ongaro found in single-server
   * changes) and while another change is uncommitted.
   */
  proposeConfigChange (change: ConfigChange): { index: number, term: number } {
    const r = this.mustLead()
    if (r.log.term(r.log.committed) !== r.term) throw new ConfigChangeError('the leader has not committed an entry of its term yet; retry shortly')
    if (r.configIndex > r.log.committed) throw new ConfigChangeError('another configuration change is not committed yet')
    const next = applyChange(r.config, change)
    this.checkUncommitted()
    const [e] = r.appendEntries([{ kind: 'config', data: encodeConfig(next) }])
    // Removing a voter can shrink the majority enough to commit at once.
    if (r.maybeCommit()) r.afterCommit()
    else bcastAppend(r)
    return { index: e!.index, term: e!.term }
  }

  /**
   * Ask for a linearizable read. A later Ready carries a ReadState with the
   * same `context`; serve the read once the state machine has applied its
   * index. No ReadState comes if leadership changes meanwhile: time out and
   * ask again with a new context.
   */
  readIndex (context: string): void {
    if (typeof context !== 'string' || context.length === 0 || context.length > READ_CONTEXT_MAX_CHARS) {
      throw new InvalidRaftOptionError(`a read context is a string of 1 to ${READ_CONTEXT_MAX_CHARS} characters`)
    }
    const r = this.raft
    if (r.role === 'leader') {
      if (r.readOnly.size + r.pendingReads.length >= r.opts.maxPendingReads) throw new RaftBusyError(`${r.opts.maxPendingReads} reads are waiting already`)
      handleReadIndex(r, context, r.id)
      return
    }
    if (r.leaderId == null) throw new NotLeaderError(null)
    r.send({ type: 'read-index', to: r.leaderId, term: r.term, context })
  }

  /**
   * Log compaction: the state machine, having applied up to `index`, saved
   * itself as `data`. Entries up to `index` are dropped; followers that
   * need them get the snapshot instead.
   */
  compact (index: number, data: Uint8Array): void {
    const r = this.raft
    if (index <= r.log.snapshot.index) return
    if (!Number.isSafeInteger(index) || index > r.log.applied) throw new InvalidRaftOptionError(`cannot compact to ${index}: only ${r.log.applied} is applied`)
    if (data.byteLength > SNAPSHOT_MAX_BYTES) throw new EntryTooLargeError(`a snapshot is at most ${SNAPSHOT_MAX_BYTES} bytes; this one is ${data.byteLength}`)
    const snapshot = { index, term: r.log.term(index)!, config: r.configAt(index).config, data }
    r.log.compact(snapshot)
    r.compacted = snapshot
  }

  hasReady (): boolean {
    if (this.inFlight != null) return false
    const r = this.raft
    return r.msgs.length > 0 || r.readStates.length > 0 || r.log.hasUnsent() ||
      r.installed != null || r.compacted != null ||
      !sameHard(this.hardState(), this.prevHard) || !sameSoft(this.softState(), this.prevSoft) ||
      Math.min(r.log.committed, r.log.lastIndex()) > this.applyingTo
  }

  /** Everything to do now (see `Ready` for the order). Call `advance()` when done, before the next `ready()`. */
  ready (): Ready {
    if (this.inFlight != null) throw new ReadyProtocolError('advance() the previous Ready first')
    const r = this.raft
    const soft = this.softState()
    const hard = this.hardState()
    const snapshot = r.installed
    const compacted = r.compacted
    r.installed = undefined
    r.compacted = undefined
    if (snapshot != null) this.applyingTo = Math.max(this.applyingTo, snapshot.index)
    const entries = r.log.takeUnsent()
    const committed = r.log.nextCommitted(this.applyingTo + 1, MAX_COMMITTED_PER_READY)
    const hardChanged = !sameHard(hard, this.prevHard)
    const mustSync = r.opts.bugs.replyBeforePersist === true
      ? false
      : hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote ||
        entries.length > 0 || snapshot != null || compacted != null
    const ready: Ready = {
      entries,
      mustSync,
      messages: r.msgs,
      committed,
      readStates: r.readStates
    }
    if (!sameSoft(soft, this.prevSoft)) ready.softState = soft
    if (hardChanged) ready.hardState = hard
    if (snapshot != null) ready.snapshot = snapshot
    if (compacted != null) ready.compacted = compacted
    r.msgs = []
    r.readStates = []
    this.prevSoft = soft
    this.prevHard = hard
    const last = entries[entries.length - 1]
    this.inFlight = {}
    if (last != null) this.inFlight.lastEntry = { index: last.index, term: last.term }
    if (committed.length > 0) {
      this.applyingTo = committed[committed.length - 1]!.index
      this.inFlight.committedTo = this.applyingTo
    }
    return ready
  }

  /** The last Ready is persisted, sent and applied. */
  advance (): void {
    const done = this.inFlight
    if (done == null) throw new ReadyProtocolError('advance() without a Ready')
    this.inFlight = undefined
    const r = this.raft
    if (done.lastEntry != null) r.log.stableTo(done.lastEntry.index, done.lastEntry.term)
    if (done.committedTo != null) r.log.applied = Math.max(r.log.applied, done.committedTo)
    // The leader's own entries now count toward a quorum.
    if (r.role === 'leader' && done.lastEntry != null && r.maybeCommit()) r.afterCommit()
  }

  status (): RaftStatus {
    const r = this.raft
    const status: RaftStatus = {
      id: r.id,
      role: r.role,
      term: r.term,
      vote: r.vote,
      leaderId: r.leaderId,
      commit: r.log.committed,
      applied: r.log.applied,
      firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(),
      stableIndex: r.log.stable,
      config: { voters: [...r.config.voters] }
    }
    if (r.role === 'leader') {
      status.progress = {}
      for (const [id, pr] of r.progress) status.progress[id] = pr.status()
    }
    return status
  }

  /** The entry at `index`, if in the log (not compacted). For checks and tests; do not mutate it. */
  entry (index: number): Entry | undefined {
    return this.raft.log.entry(index)
  }

  /** The term of entry `index`, including the snapshot's last; undefined when unknown. */
  term (index: number): number | undefined {
    return this.raft.log.term(index)
  }

  private mustLead (): Raft {
    if (this.raft.role !== 'leader') throw new NotLeaderError(this.raft.leaderId)
    return this.raft
  }

  private checkUncommitted (): void {
    const r = this.raft
    if (r.log.lastIndex() - r.log.committed >= r.opts.maxUncommittedEntries) {
      throw new RaftBusyError(`${r.opts.maxUncommittedEntries} entries are waiting to commit already`)
    }
  }

  private hardState (): HardState {
    return { term: this.raft.term, vote: this.raft.vote, commit: this.raft.log.committed }
  }

  private softState (): SoftState {
    return { role: this.raft.role, leaderId: this.raft.leaderId }
  }
}

function sameHard (a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit
}

function sameSoft (a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.leaderId === b.leaderId
}

function resolveOptions (init: RaftInit, components: RaftComponents): RaftOptions {
  for (const key of Object.keys(init)) {
    if (!KNOWN_OPTIONS.has(key)) throw new InvalidRaftOptionError(`unknown Raft option "${key}"; known: ${[...KNOWN_OPTIONS].join(', ')}`)
  }
  try {
    validateNodeId(init.id, 'id')
  } catch (err) {
    throw new InvalidRaftOptionError((err as Error).message)
  }
  if (init.voters != null && init.voters.length > 0 && !init.voters.includes(init.id)) {
    throw new InvalidRaftOptionError(`voters (${init.voters.join(', ')}) must include this node (${init.id}); leave voters out to join an existing quorum`)
  }
  if (typeof components?.random !== 'function') {
    throw new InvalidRaftOptionError('components.random is required: a seeded generator of numbers in [0, 1) (never Math.random in tests)')
  }
  const int = (name: keyof RaftInit, value: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    if (value === undefined) return fallback
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidRaftOptionError(`${name} must be an integer from ${min} to ${max}`)
    }
    return value
  }
  const electionTicks = int('electionTicks', init.electionTicks, ELECTION_TICKS, 2)
  const heartbeatTicks = int('heartbeatTicks', init.heartbeatTicks, HEARTBEAT_TICKS, 1)
  if (heartbeatTicks >= electionTicks) throw new InvalidRaftOptionError(`heartbeatTicks (${heartbeatTicks}) must be below electionTicks (${electionTicks})`)
  const bugs: RaftTestBugs = { ...init.unsafeTestBugs }
  for (const key of Object.keys(bugs)) {
    if (!KNOWN_BUGS.has(key)) throw new InvalidRaftOptionError(`unknown test bug "${key}"; known: ${[...KNOWN_BUGS].join(', ')}`)
  }
  return {
    id: init.id,
    electionTicks,
    heartbeatTicks,
    preVote: init.preVote ?? true,
    checkQuorum: init.checkQuorum ?? true,
    // The wire limits (codec.ts) are the ceilings: a node must never send what its peers refuse.
    maxEntriesPerMessage: int('maxEntriesPerMessage', init.maxEntriesPerMessage, MAX_ENTRIES_PER_MESSAGE, 1, MAX_ENTRIES_PER_MESSAGE),
    maxAppendBytes: int('maxAppendBytes', init.maxAppendBytes, MAX_APPEND_BYTES, 1, MAX_APPEND_BYTES),
    maxInflightMessages: int('maxInflightMessages', init.maxInflightMessages, MAX_INFLIGHT_MESSAGES, 1),
    maxUncommittedEntries: int('maxUncommittedEntries', init.maxUncommittedEntries, MAX_UNCOMMITTED_ENTRIES, 1),
    maxPendingReads: int('maxPendingReads', init.maxPendingReads, MAX_PENDING_READS, 1),
    random: components.random,
    bugs
  }
}
