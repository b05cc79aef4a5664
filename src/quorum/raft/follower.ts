/**
 * A follower's side of replication: AppendEntries (§5.3), heartbeats and
 * InstallSnapshot (§7). Every answer goes out in a Ready after what it
 * acknowledges is on disk.
 */
import type { Raft } from './raft.js'
import type { AppendRequest, Heartbeat, SnapshotRequest } from './types.js'

export function handleAppend (r: Raft, m: AppendRequest): void {
  const log = r.log
  if (m.prevIndex < log.committed) {
    // Everything up to our commit already matches the leader's log; say so.
    r.send({ type: 'append-response', to: m.from, term: r.term, index: log.committed, reject: false, hintIndex: 0, hintTerm: 0 })
    return
  }
  const result = r.opts.bugs.truncateWithoutConflict === true
    ? unsafeAppend(r, m)
    : log.maybeAppend(m.prevIndex, m.prevTerm, m.commit, m.entries)
  if (result !== undefined) {
    // The configuration in force is the log's latest: recompute it when the log changed at or before it.
    if (result.conflict !== 0 && (result.conflict <= r.configIndex || m.entries.some(e => e.kind === 'config'))) r.recomputeConfig()
    r.send({ type: 'append-response', to: m.from, term: r.term, index: result.lastNew, reject: false, hintIndex: 0, hintTerm: 0 })
    return
  }
  const hint = log.findConflictByTerm(Math.min(m.prevIndex, log.lastIndex()), m.prevTerm)
  r.send({ type: 'append-response', to: m.from, term: r.term, index: m.prevIndex, reject: true, hintIndex: hint.index, hintTerm: hint.term })
}

/**
 * The classic bug behind `truncateWithoutConflict`: treat every append as
 * "the log after prevIndex is exactly these entries". A delayed append then
 * cuts off entries this follower already acknowledged.
 */
function unsafeAppend (r: Raft, m: AppendRequest): { lastNew: number, conflict: number } | undefined {
  const log = r.log
  if (!log.matchTerm(m.prevIndex, m.prevTerm)) return undefined
  log.truncateFrom(m.prevIndex + 1)
  log.append(m.entries)
  const lastNew = m.prevIndex + m.entries.length
  log.commitTo(Math.min(m.commit, lastNew))
  return { lastNew, conflict: m.prevIndex + 1 }
}

export function handleHeartbeat (r: Raft, m: Heartbeat): void {
  // The leader caps `commit` at what it knows we match, so this never passes our log.
  r.log.commitTo(m.commit)
  r.send({ type: 'heartbeat-response', to: m.from, term: r.term, context: m.context })
}

export function handleSnapshot (r: Raft, m: SnapshotRequest): void {
  const s = m.snapshot
  const log = r.log
  if (s.index <= log.committed) {
    r.send({ type: 'append-response', to: m.from, term: r.term, index: log.committed, reject: false, hintIndex: 0, hintTerm: 0 })
    return
  }
  if (log.matchTerm(s.index, s.term)) {
    // We hold the snapshot's last entry: our log up to it is the leader's, so just commit it.
    log.commitTo(s.index)
  } else {
    log.restore(s)
    r.installed = s
    r.compacted = undefined
    r.recomputeConfig()
  }
  r.send({ type: 'append-response', to: m.from, term: r.term, index: log.committed, reject: false, hintIndex: 0, hintTerm: 0 })
}
