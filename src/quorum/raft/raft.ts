/**
 * The Raft state machine proper: term, vote, role, log, membership, and
 * what to do with a tick or a message. It is synchronous and pure: no
 * timers, no clock, no randomness but the injected `random`, no I/O. What
 * it wants sent accumulates in `msgs`, and `node.ts` hands that out in a
 * Ready with what must be persisted first. The rules for each role live in
 * election.ts, leader.ts and follower.ts; this file holds the state, the
 * term rules every message goes through (§5.1), and the role transitions.
 */
import { decodeConfig, encodeConfig, quorumIndex } from './config.js'
import { campaign, handleVoteRequest, handleVoteResponse } from './election.js'
import { handleAppend, handleHeartbeat, handleSnapshot } from './follower.js'
import { bcastAppend, handleAppendResponse, handleHeartbeatResponse, handleReadIndex, tickLeader } from './leader.js'
import { EMPTY_SNAPSHOT, RaftLog } from './log.js'
import { Progress } from './progress.js'
import { ReadOnly } from './read-only.js'
import type { ClusterConfig, Entry, EntryKind, Message, NodeId, PersistedState, ReadState, Role, Snapshot } from './types.js'

/**
 * Classic Raft bugs, re-introduced on purpose so the simulator can prove it
 * catches them. Never set outside tests.
 */
export interface RaftTestBugs {
  /** Commit an earlier term's entry by counting replicas (Figure 8 of the Raft paper). */
  commitEarlierTerm?: boolean
  /** Grant votes (and pre-votes) without checking that the candidate's log is up to date (§5.4.1). */
  voteWithoutLogCheck?: boolean
  /** Mark every Ready `mustSync: false`: replies may leave before term, vote and entries are durable. */
  replyBeforePersist?: boolean
  /** On every append, drop whatever follows the appended entries, conflict or not. */
  truncateWithoutConflict?: boolean
}

export interface RaftOptions {
  id: NodeId
  electionTicks: number
  heartbeatTicks: number
  preVote: boolean
  checkQuorum: boolean
  maxEntriesPerMessage: number
  maxAppendBytes: number
  maxInflightMessages: number
  maxUncommittedEntries: number
  maxPendingReads: number
  random: () => number
  bugs: RaftTestBugs
}

export class Raft {
  readonly id: NodeId
  readonly opts: RaftOptions
  term = 0
  vote: NodeId | null = null
  leaderId: NodeId | null = null
  role: Role = 'follower'
  readonly log: RaftLog
  config: ClusterConfig = { voters: [] }
  /** Index of the entry (or snapshot) `config` comes from. */
  configIndex = 0
  /** Leader only: every other voter's replication state. */
  readonly progress = new Map<NodeId, Progress>()
  readonly votes = new Map<NodeId, boolean>()
  electionElapsed = 0
  heartbeatElapsed = 0
  randomizedElectionTimeout = 0
  readonly readOnly = new ReadOnly()
  /** Leader only: reads that arrived before the leader committed an entry of its term. */
  pendingReads: Array<{ context: string, from: NodeId }> = []
  msgs: Message[] = []
  readStates: ReadState[] = []
  /** A snapshot installed from the leader, to hand out (persist and restore). */
  installed: Snapshot | undefined
  /** A snapshot made by `compact`, to hand out (persist). */
  compacted: Snapshot | undefined

  constructor (opts: RaftOptions, persisted: PersistedState, bootstrap: ClusterConfig | undefined) {
    this.id = opts.id
    this.opts = opts
    const fresh = persisted.hardState.term === 0 && persisted.entries.length === 0 && persisted.snapshot == null
    if (fresh && bootstrap != null) {
      // Every founding seed writes the same first entry, so their logs agree from the start (as etcd's bootstrap does).
      this.log = new RaftLog(EMPTY_SNAPSHOT, [], 0)
      this.log.append([{ index: 1, term: 1, kind: 'config', data: encodeConfig(bootstrap) }])
      this.log.commitTo(1)
      this.term = 1
    } else {
      this.log = new RaftLog(persisted.snapshot ?? EMPTY_SNAPSHOT, persisted.entries, persisted.hardState.commit)
      this.term = persisted.hardState.term
      this.vote = persisted.hardState.vote
    }
    this.recomputeConfig()
    this.becomeFollower(this.term, null)
  }

  isVoter (id: NodeId = this.id): boolean {
    return this.config.voters.includes(id)
  }

  // --- time -----------------------------------------------------------------

  tick (): void {
    if (this.role === 'leader') {
      tickLeader(this)
      return
    }
    this.electionElapsed++
    // A node that may not campaign lets the count run on, so CheckQuorum's
    // lease (electionElapsed < electionTicks) runs out and it can vote again.
    if (this.electionElapsed >= this.randomizedElectionTimeout && this.mayCampaign()) {
      this.electionElapsed = 0
      this.hup()
    }
  }

  /** Start an election now (pre-vote first when enabled), if this node may lead. */
  hup (): void {
    if (this.role === 'leader' || !this.mayCampaign()) return
    campaign(this, this.opts.preVote ? 'pre-vote' : 'vote')
  }

  /**
   * A voter may campaign; so may a node that an uncommitted change is
   * removing. Otherwise, when a leader removing itself steps down before
   * the change commits, it holds the only log up to date enough to win, yet
   * would never run: no election could ever finish the change. It counts
   * only the new voters' votes, and steps down again once the change commits.
   */
  mayCampaign (): boolean {
    if (this.isVoter()) return true
    if (this.configIndex <= this.log.committed) return false
    return this.configAt(this.configIndex - 1).config.voters.includes(this.id)
  }

  // --- messages ---------------------------------------------------------------

  step (m: Message): void {
    if (m.to !== this.id || m.from === this.id) return
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'pre-vote') {
        // While we hear from a leader, a candidate cannot have a quorum; do
        // not let it disturb us (dissertation §4.2.3). A pre-vote is refused
        // so always (§9.6: "...and have not heard from a leader for an
        // election timeout"); a real vote only under CheckQuorum's lease,
        // whose step-down rule guarantees a leader that lost its quorum goes.
        const heardFromLeader = this.leaderId != null && this.electionElapsed < this.opts.electionTicks
        if (heardFromLeader && (m.type === 'pre-vote' || this.opts.checkQuorum)) return
      }
      if (m.type === 'pre-vote' || (m.type === 'pre-vote-response' && m.granted)) {
        // A pre-vote changes nobody's term: that is its whole point.
      } else {
        const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot'
        this.becomeFollower(m.term, fromLeader ? m.from : null)
      }
    } else if (m.term < this.term) {
      if ((this.opts.checkQuorum || this.opts.preVote) && (m.type === 'append' || m.type === 'heartbeat')) {
        // A stale leader cut off by a partition may never see a higher term
        // otherwise (pre-vote keeps ours from rising): tell it ours.
        this.send({ type: 'append-response', to: m.from, term: this.term, index: 0, reject: false, hintIndex: 0, hintTerm: 0 })
      } else if (m.type === 'pre-vote') {
        this.send({ type: 'pre-vote-response', to: m.from, term: this.term, granted: false })
      }
      return
    }

    if (m.type === 'vote' || m.type === 'pre-vote') {
      handleVoteRequest(this, m)
      return
    }
    switch (this.role) {
      case 'leader': this.stepLeader(m); break
      case 'candidate':
      case 'pre-candidate': this.stepCandidate(m); break
      case 'follower': this.stepFollower(m); break
    }
  }

  private stepLeader (m: Message): void {
    switch (m.type) {
      case 'append-response': handleAppendResponse(this, m); break
      case 'heartbeat-response': handleHeartbeatResponse(this, m); break
      case 'read-index': handleReadIndex(this, m.context, m.from); break
      // Another leader in our term would break Election Safety; nothing sane to do but ignore it.
      default: break
    }
  }

  private stepCandidate (m: Message): void {
    switch (m.type) {
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        // Someone won this term (§5.2).
        this.becomeFollower(this.term, m.from)
        this.stepFollower(m)
        break
      case 'vote-response':
      case 'pre-vote-response': handleVoteResponse(this, m); break
      default: break
    }
  }

  private stepFollower (m: Message): void {
    switch (m.type) {
      case 'append':
        this.heardFromLeader(m.from)
        handleAppend(this, m)
        break
      case 'heartbeat':
        this.heardFromLeader(m.from)
        handleHeartbeat(this, m)
        break
      case 'snapshot':
        this.heardFromLeader(m.from)
        handleSnapshot(this, m)
        break
      case 'read-index-response':
        this.readStates.push({ index: m.index, context: m.context })
        break
      default: break
    }
  }

  private heardFromLeader (from: NodeId): void {
    this.electionElapsed = 0
    this.leaderId = from
  }

  /** Queue a message; `from` is always this node. */
  send (m: DistributiveOmit<Message, 'from'>): void {
    this.msgs.push({ ...m, from: this.id } as Message)
  }

  // --- roles ------------------------------------------------------------------

  private reset (term: number): void {
    if (term !== this.term) {
      this.term = term
      this.vote = null
    }
    this.leaderId = null
    this.electionElapsed = 0
    this.heartbeatElapsed = 0
    const spread = Math.floor(this.opts.random() * this.opts.electionTicks)
    this.randomizedElectionTimeout = this.opts.electionTicks + Math.min(spread, this.opts.electionTicks - 1)
    this.votes.clear()
    this.progress.clear()
    this.readOnly.reset()
    this.pendingReads = []
  }

  becomeFollower (term: number, leaderId: NodeId | null): void {
    this.reset(term)
    this.role = 'follower'
    this.leaderId = leaderId
  }

  becomePreCandidate (): void {
    // Neither term nor vote changes: a pre-candidate has promised nothing to anyone.
    this.role = 'pre-candidate'
    this.votes.clear()
    this.leaderId = null
  }

  becomeCandidate (): void {
    this.reset(this.term + 1)
    this.vote = this.id
    this.role = 'candidate'
  }

  becomeLeader (): void {
    this.reset(this.term)
    this.role = 'leader'
    this.leaderId = this.id
    this.syncProgress()
    // A leader may count replicas only of entries of its own term (§5.4.2):
    // this empty entry is the first such, and commits everything before it.
    this.appendEntries([{ kind: 'noop', data: new Uint8Array(0) }])
  }

  /** Leader: one Progress per other voter, new ones probing from the end of our log. */
  syncProgress (): void {
    if (this.role !== 'leader') return
    for (const id of this.config.voters) {
      if (id === this.id || this.progress.has(id)) continue
      const pr = new Progress(this.log.lastIndex() + 1, this.opts.maxInflightMessages)
      // Counted as alive until the first CheckQuorum round says otherwise.
      pr.recentActive = true
      this.progress.set(id, pr)
    }
    for (const id of this.progress.keys()) {
      if (!this.isVoter(id)) this.progress.delete(id)
    }
  }

  // --- log --------------------------------------------------------------------

  /** Leader: append new entries of this term. */
  appendEntries (entries: Array<{ kind: EntryKind, data: Uint8Array }>): Entry[] {
    let index = this.log.lastIndex()
    const out = entries.map(e => ({ index: ++index, term: this.term, kind: e.kind, data: e.data }))
    this.log.append(out)
    if (out.some(e => e.kind === 'config')) this.recomputeConfig()
    return out
  }

  /** The latest configuration in the log, committed or not (dissertation §4.1). */
  recomputeConfig (): void {
    const found = this.configAt(this.log.lastIndex())
    this.config = found.config
    this.configIndex = found.index
    this.syncProgress()
  }

  /** The configuration in force at `index`: the last config entry at or before it, else the snapshot's. */
  configAt (index: number): { config: ClusterConfig, index: number } {
    for (let i = Math.min(index, this.log.lastIndex()); i > this.log.snapshot.index; i--) {
      const e = this.log.entry(i)!
      if (e.kind === 'config') return { config: decodeConfig(e.data), index: i }
    }
    return { config: this.log.snapshot.config, index: this.log.snapshot.index }
  }

  /** Leader: our own entries count toward a quorum only once they are on our disk. */
  selfMatch (): number {
    return Math.min(this.log.stable, this.log.lastIndex())
  }

  /**
   * Leader: advance commit to the highest index a majority holds, but only
   * by counting an entry of the current term (§5.4.2); earlier entries are
   * then committed indirectly, by the Log Matching Property.
   */
  maybeCommit (): boolean {
    const index = quorumIndex(this.config.voters, id => id === this.id ? this.selfMatch() : this.progress.get(id)?.match ?? 0)
    if (index <= this.log.committed) return false
    if (!this.opts.bugs.commitEarlierTerm && this.log.term(index) !== this.term) return false
    this.log.commitTo(index)
    return true
  }

  /** Leader: after commit moved, serve what waited for it, and step down once our own removal is committed. */
  afterCommit (): void {
    if (this.log.term(this.log.committed) === this.term && this.pendingReads.length > 0) {
      const waiting = this.pendingReads
      this.pendingReads = []
      for (const r of waiting) handleReadIndex(this, r.context, r.from)
    }
    bcastAppend(this)
    if (!this.isVoter() && this.configIndex <= this.log.committed) {
      this.becomeFollower(this.term, null)
    }
  }
}

/** Omit that keeps a union a union. */
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never
