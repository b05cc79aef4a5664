/**
 * The leader: replicating its log (§5.3), advancing commit (§5.4.2),
 * heartbeats, CheckQuorum (a leader that has not heard from a majority for
 * an election timeout steps down, so a partitioned leader stops serving
 * reads and accepting proposals), snapshots for followers that fell behind
 * the compacted log (§7), and ReadIndex.
 */
import { majority } from './config.js'
import type { Progress } from './progress.js'
import type { Raft } from './raft.js'
import type { AppendResponse, HeartbeatResponse, NodeId } from './types.js'

export function tickLeader (r: Raft): void {
  r.heartbeatElapsed++
  r.electionElapsed++
  if (r.electionElapsed >= r.opts.electionTicks) {
    r.electionElapsed = 0
    if (r.opts.checkQuorum && !quorumActive(r)) {
      r.becomeFollower(r.term, null)
      return
    }
  }
  for (const pr of r.progress.values()) {
    // A snapshot (or its answer) lost on the way: give up on it and probe again, which sends it anew.
    if (pr.state === 'snapshot' && ++pr.snapshotTicks > 2 * r.opts.electionTicks) pr.becomeProbe()
  }
  if (r.heartbeatElapsed >= r.opts.heartbeatTicks) {
    r.heartbeatElapsed = 0
    bcastHeartbeat(r)
  }
}

/** Whether a majority was heard from since the last check; starts the next round. */
function quorumActive (r: Raft): boolean {
  let active = 0
  for (const id of r.config.voters) {
    if (id === r.id) {
      active++
      continue
    }
    const pr = r.progress.get(id)
    if (pr?.recentActive === true) active++
    if (pr != null) pr.recentActive = false
  }
  return active >= majority(r.config.voters.length)
}

/**
 * Send `to` what it lacks: entries from its `next`, or the snapshot when
 * those are compacted away. `sendIfEmpty` sends an entry-less append, which
 * carries the commit index and probes. False when nothing went out.
 */
export function sendAppend (r: Raft, to: NodeId, sendIfEmpty = true): boolean {
  const pr = r.progress.get(to)
  if (pr == null || pr.isPaused()) return false
  const prevIndex = pr.next - 1
  const prevTerm = r.log.term(prevIndex)
  if (prevTerm === undefined) {
    sendSnapshot(r, to, pr)
    return true
  }
  const entries = r.log.slice(pr.next, r.log.lastIndex() + 1, r.opts.maxEntriesPerMessage, r.opts.maxAppendBytes)
  if (entries.length === 0 && !sendIfEmpty) return false
  r.send({ type: 'append', to, term: r.term, prevIndex, prevTerm, entries, commit: r.log.committed })
  if (entries.length > 0) pr.sentEntries(entries[entries.length - 1]!.index)
  else if (pr.state === 'probe') pr.probeSent = true
  return true
}

function sendSnapshot (r: Raft, to: NodeId, pr: Progress): void {
  const snapshot = r.log.snapshot
  r.send({ type: 'snapshot', to, term: r.term, snapshot })
  pr.becomeSnapshot(snapshot.index)
}

export function bcastAppend (r: Raft): void {
  for (const id of r.progress.keys()) sendAppend(r, id)
}

function bcastHeartbeat (r: Raft): void {
  const context = r.readOnly.lastContext()
  for (const [to, pr] of r.progress) {
    // Never tell a follower to commit past what it is known to hold.
    const commit = Math.min(pr.match, r.log.committed)
    r.send({ type: 'heartbeat', to, term: r.term, commit, context })
  }
}

export function handleAppendResponse (r: Raft, m: AppendResponse): void {
  const pr = r.progress.get(m.from)
  if (pr == null) return
  pr.recentActive = true
  if (m.reject) {
    const hint = m.hintTerm > 0 ? r.log.findConflictByTerm(m.hintIndex, m.hintTerm).index : m.hintIndex
    if (pr.maybeDecrTo(m.index, hint)) {
      if (pr.state === 'replicate') pr.becomeProbe()
      sendAppend(r, m.from)
    }
    return
  }
  const wasPaused = pr.isPaused()
  if (!pr.maybeUpdate(m.index)) return
  if (pr.state === 'probe') {
    pr.becomeReplicate()
  } else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
    pr.becomeProbe()
    pr.becomeReplicate()
  }
  if (r.maybeCommit()) {
    r.afterCommit()
    if (r.role !== 'leader') return
  } else if (wasPaused) {
    sendAppend(r, m.from)
  }
  // Fill the pipeline up to the in-flight limit.
  while (sendAppend(r, m.from, false)) { /* keep sending */ }
}

export function handleHeartbeatResponse (r: Raft, m: HeartbeatResponse): void {
  const pr = r.progress.get(m.from)
  if (pr == null) return
  pr.recentActive = true
  pr.probeSent = false
  pr.unblock()
  if (pr.match < r.log.lastIndex()) sendAppend(r, m.from)
  if (m.context === '') return
  const acks = r.readOnly.ack(m.context, m.from)
  if (acks == null) return
  let votes = 0
  for (const id of r.config.voters) if (acks.has(id)) votes++
  if (votes < majority(r.config.voters.length)) return
  for (const read of r.readOnly.releaseThrough(m.context)) answerRead(r, read.context, read.index, read.from)
}

/**
 * A linearizable read asked of the leader (by itself or a follower). Until
 * the leader has committed an entry of its term it does not know the
 * latest commit index (§6.4 step 1), so the read waits for that.
 */
export function handleReadIndex (r: Raft, context: string, from: NodeId): void {
  if (r.readOnly.has(context) || r.pendingReads.some(p => p.context === context)) return
  if (r.log.term(r.log.committed) !== r.term) {
    if (r.pendingReads.length < r.opts.maxPendingReads) r.pendingReads.push({ context, from })
    return
  }
  const index = r.log.committed
  if (r.config.voters.length === 1 && r.isVoter()) {
    answerRead(r, context, index, from)
    return
  }
  if (r.readOnly.size >= r.opts.maxPendingReads) return
  r.readOnly.add({ context, index, from, acks: new Set([r.id]) })
  bcastHeartbeat(r)
}

function answerRead (r: Raft, context: string, index: number, from: NodeId): void {
  if (from === r.id) r.readStates.push({ index, context })
  else r.send({ type: 'read-index-response', to: from, term: r.term, context, index })
}
