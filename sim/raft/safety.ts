/**
 * Raft's safety properties (Figure 3 of the Raft paper), checked after
 * every simulated event against what the nodes hold and hand out:
 *
 * - Election Safety: at most one leader per term.
 * - Leader Append-Only: a leader never overwrites or deletes its entries.
 * - Log Matching: two entries with the same index and term hold the same
 *   data, and follow the same previous term (so, by induction, logs are
 *   identical up to them). Checked on every entry handed out to persist.
 * - Leader Completeness: an entry committed in term T is in the log of
 *   every leader of a term after T.
 * - State Machine Safety: no two nodes apply different entries at one
 *   index; every snapshot of one index has the same state.
 *
 * And what persistence must give: a node's term and commit index never go
 * back while it runs; after a restart its term is at least any term it sent
 * a message in, and it never grants its vote in one term to two candidates.
 * Finally, what a leader's match index relies on: while its term lasts, a
 * follower keeps every entry it acknowledged (restarts included).
 */
import type { Entry, Message, NodeId, RaftNode, Snapshot } from '../../src/quorum/raft/index.js'

export interface Violation {
  invariant: string
  detail: string
}

interface NodeWatch {
  term: number
  commit: number
  role: string
  leaderLast?: { term: number, index: number, lastTerm: number | undefined }
}

export class SafetyChecker {
  readonly violations: Violation[] = []
  private readonly leaders = new Map<number, NodeId>()
  /** `${index}/${term}` -> entry identity and the previous entry's term. */
  private readonly entries = new Map<string, { data: string, prevTerm: number }>()
  /** Committed entries: index -> identity and the term in which the commit was first seen. */
  private readonly committed = new Map<number, { term: number, data: string, seenInTerm: number }>()
  private readonly applied = new Map<number, string>()
  private readonly snapshotStates = new Map<number, string>()
  private readonly watch = new Map<NodeId, NodeWatch>()
  private readonly maxTermSent = new Map<NodeId, number>()
  /** `${term}/${voter}` -> candidate granted. */
  private readonly votes = new Map<string, NodeId>()
  /** Each node's latest acknowledgement of entries: in which term, up to where, and that entry's term. */
  private readonly acks = new Map<NodeId, { term: number, index: number, entryTerm: number }>()

  private fail (invariant: string, detail: string): void {
    this.violations.push({ invariant, detail })
  }

  /** A node (re)started: its term must cover every term it spoke in before. */
  onStart (id: NodeId, node: RaftNode): void {
    const s = node.status()
    const sent = this.maxTermSent.get(id) ?? 0
    if (s.term < sent) this.fail('Term persisted', `${id} restarted at term ${s.term} but had sent messages in term ${sent}`)
    this.checkAcknowledged(id, node)
    this.watch.set(id, { term: s.term, commit: s.commit, role: s.role })
  }

  onStop (id: NodeId): void {
    this.watch.delete(id)
  }

  /** Entries about to be persisted. */
  onReady (id: NodeId, node: RaftNode, entries: Entry[]): void {
    for (const e of entries) {
      const prevTerm = node.term(e.index - 1) ?? -1
      const key = `${e.index}/${e.term}`
      const data = identity(e)
      const known = this.entries.get(key)
      if (known == null) {
        this.entries.set(key, { data, prevTerm })
      } else if (known.data !== data) {
        this.fail('Log Matching', `two different entries at index ${e.index} term ${e.term} (${id})`)
      } else if (known.prevTerm !== prevTerm && prevTerm !== -1 && known.prevTerm !== -1) {
        this.fail('Log Matching', `entry ${e.index} term ${e.term} follows term ${prevTerm} on ${id} but term ${known.prevTerm} elsewhere`)
      }
    }
  }

  /** Messages leaving (after their Ready is durable, unless the Ready said it need not be). */
  onSend (id: NodeId, node: RaftNode, messages: Message[]): void {
    let sent = this.maxTermSent.get(id) ?? 0
    for (const m of messages) {
      if (m.type === 'append-response' && !m.reject && m.index > 0) {
        const entryTerm = node.term(m.index)
        if (entryTerm !== undefined) this.acks.set(id, { term: m.term, index: m.index, entryTerm })
      }
      if (m.type !== 'pre-vote' && m.type !== 'pre-vote-response' && m.term > sent) sent = m.term
      if (m.type === 'vote-response' && m.granted) {
        const key = `${m.term}/${id}`
        const before = this.votes.get(key)
        if (before != null && before !== m.to) this.fail('Vote once per term', `${id} voted for ${before} and ${m.to} in term ${m.term}`)
        this.votes.set(key, m.to)
      }
    }
    this.maxTermSent.set(id, sent)
  }

  /** After every event that touched `id`. */
  afterEvent (id: NodeId, node: RaftNode): void {
    const s = node.status()
    const w = this.watch.get(id)
    if (w == null) return
    if (s.term < w.term) this.fail('Term monotonic', `${id} went from term ${w.term} back to ${s.term}`)
    if (s.commit < w.commit) this.fail('Commit monotonic', `${id} went from commit ${w.commit} back to ${s.commit}`)
    for (let i = w.commit + 1; i <= s.commit; i++) this.onCommitted(id, node, i, s.term)
    this.checkAcknowledged(id, node)

    if (s.role === 'leader') {
      const other = this.leaders.get(s.term)
      if (other != null && other !== id) this.fail('Election Safety', `${other} and ${id} both lead term ${s.term}`)
      this.leaders.set(s.term, id)
      const last = w.leaderLast
      if (last == null || last.term !== s.term) {
        this.checkCompleteness(id, node, s.term, s.firstIndex)
      } else if (s.lastIndex < last.index || (last.index >= s.firstIndex - 1 && node.term(last.index) !== last.lastTerm)) {
        this.fail('Leader Append-Only', `${id}, leader of term ${s.term}, went from ${last.index}/${last.lastTerm} to last index ${s.lastIndex}`)
      }
      w.leaderLast = { term: s.term, index: s.lastIndex, lastTerm: node.term(s.lastIndex) }
    } else {
      delete w.leaderLast
    }
    w.term = s.term
    w.commit = s.commit
    w.role = s.role
  }

  private checkAcknowledged (id: NodeId, node: RaftNode): void {
    const ack = this.acks.get(id)
    if (ack == null) return
    const s = node.status()
    if (s.term !== ack.term) {
      if (s.term > ack.term) this.acks.delete(id)
      return
    }
    // Compacted into a snapshot counts as kept.
    if (ack.index < s.firstIndex - 1) return
    const t = node.term(ack.index)
    if (t !== ack.entryTerm) {
      this.fail('Acknowledged entries kept', `${id} acknowledged entry ${ack.index} (term ${ack.entryTerm}) in term ${ack.term}, and now ${t === undefined ? 'lacks it' : `holds term ${t} there`}`)
      this.acks.delete(id)
    }
  }

  private onCommitted (id: NodeId, node: RaftNode, index: number, term: number): void {
    const e = node.entry(index)
    // Committed through an installed snapshot: its entries are not in the log to compare.
    if (e == null) return
    const data = identity(e)
    const known = this.committed.get(index)
    if (known == null) this.committed.set(index, { term: e.term, data, seenInTerm: term })
    else if (known.data !== data) this.fail('State Machine Safety', `${id} committed ${e.term}/${index} where term ${known.term}'s entry was committed`)
  }

  private checkCompleteness (id: NodeId, node: RaftNode, term: number, firstIndex: number): void {
    for (const [index, c] of this.committed) {
      if (c.seenInTerm >= term || index < firstIndex - 1) continue
      const has = node.term(index)
      if (has !== c.term) {
        this.fail('Leader Completeness', `${id} leads term ${term} without entry ${index} (term ${c.term}), committed by term ${c.seenInTerm}`)
        return
      }
    }
  }

  onApply (id: NodeId, e: Entry): void {
    const data = identity(e)
    const known = this.applied.get(e.index)
    if (known == null) this.applied.set(e.index, data)
    else if (known !== data) this.fail('State Machine Safety', `${id} applied a different entry at ${e.index}`)
  }

  /** A state machine saved (compaction) or loaded (snapshot install, restart) at `index`. */
  onSnapshotState (id: NodeId, snapshot: Snapshot, stateDigest: string): void {
    const known = this.snapshotStates.get(snapshot.index)
    if (known == null) this.snapshotStates.set(snapshot.index, stateDigest)
    else if (known !== stateDigest) this.fail('State Machine Safety', `${id} has a different state at snapshot ${snapshot.index}`)
    const c = this.committed.get(snapshot.index)
    if (c != null && c.term !== snapshot.term) this.fail('State Machine Safety', `${id}'s snapshot at ${snapshot.index} has term ${snapshot.term}; the committed entry has ${c.term}`)
  }

  /** Storage-level checks: the durable commit only grows. */
  onDurableCommit (id: NodeId, before: number, after: number): void {
    if (after < before) this.fail('Commit monotonic', `${id}'s durable commit went from ${before} back to ${after}`)
  }
}

function identity (e: Entry): string {
  return `${e.term}:${e.kind}:${Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).toString('base64')}`
}
