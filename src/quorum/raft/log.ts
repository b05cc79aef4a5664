/**
 * The in-memory Raft log: a snapshot (everything up to `snapshot.index`,
 * compacted) followed by entries. It also tracks three positions that move
 * forward through it: `committed` (known replicated on a quorum), `applied`
 * (handed to the state machine and acknowledged) and `stable` (on this
 * node's disk), plus `unsentFrom`, the first entry not yet handed out to be
 * persisted.
 */
import { CorruptStateError, RaftInvariantError } from './errors.js'
import type { Entry, Snapshot } from './types.js'

export const EMPTY_SNAPSHOT: Snapshot = Object.freeze({ index: 0, term: 0, config: { voters: [] }, data: new Uint8Array(0) })

export class RaftLog {
  snapshot: Snapshot
  /** entries[i].index === snapshot.index + 1 + i */
  private entries: Entry[]
  committed: number
  applied: number
  stable: number
  unsentFrom: number

  constructor (snapshot: Snapshot, entries: Entry[], committed: number) {
    let expected = snapshot.index + 1
    for (const e of entries) {
      if (e.index !== expected) throw new CorruptStateError(`stored log has entry ${e.index} where ${expected} was expected`)
      expected++
    }
    this.snapshot = snapshot
    this.entries = entries.slice()
    const last = snapshot.index + entries.length
    if (committed > last) throw new CorruptStateError(`stored commit index ${committed} is beyond the stored log (${last})`)
    this.committed = Math.max(committed, snapshot.index)
    this.applied = snapshot.index
    this.stable = last
    this.unsentFrom = last + 1
  }

  firstIndex (): number { return this.snapshot.index + 1 }
  lastIndex (): number { return this.snapshot.index + this.entries.length }
  lastTerm (): number { return this.term(this.lastIndex()) ?? 0 }

  /** The term of entry `index`; undefined when compacted away or not (yet) in the log. */
  term (index: number): number | undefined {
    if (index === this.snapshot.index) return this.snapshot.term
    if (index < this.snapshot.index || index > this.lastIndex()) return undefined
    return this.entries[index - this.snapshot.index - 1]?.term
  }

  entry (index: number): Entry | undefined {
    if (index <= this.snapshot.index) return undefined
    return this.entries[index - this.snapshot.index - 1]
  }

  matchTerm (index: number, term: number): boolean {
    return this.term(index) === term
  }

  /** §5.4.1: a candidate's log is at least as up-to-date as ours. */
  isUpToDate (lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm()
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex())
  }

  /** Entries in [lo, hi), at most `maxCount` and about `maxBytes` (always at least one). */
  slice (lo: number, hi: number, maxCount = Infinity, maxBytes = Infinity): Entry[] {
    lo = Math.max(lo, this.firstIndex())
    hi = Math.min(hi, this.lastIndex() + 1)
    const out: Entry[] = []
    let bytes = 0
    for (let i = lo; i < hi && out.length < maxCount; i++) {
      const e = this.entries[i - this.snapshot.index - 1]!
      bytes += e.data.byteLength
      if (out.length > 0 && bytes > maxBytes) break
      out.push(e)
    }
    return out
  }

  /** The index of the first of `entries` that is not in our log with the same term; 0 when all are. */
  findConflict (entries: Entry[]): number {
    for (const e of entries) {
      // At or below the snapshot everything is committed, so it matches the leader's.
      if (e.index <= this.snapshot.index) continue
      if (!this.matchTerm(e.index, e.term)) return e.index
    }
    return 0
  }

  /**
   * For a rejected append: the last index <= `index` whose term is <= `term`.
   * The leader can skip everything after it in one round trip instead of one
   * entry per round trip (the optimisation of §5.3, as etcd/raft does it).
   */
  findConflictByTerm (index: number, term: number): { index: number, term: number } {
    let i = Math.min(index, this.lastIndex())
    for (; i > this.snapshot.index; i--) {
      const t = this.term(i)!
      if (t <= term) return { index: i, term: t }
    }
    return { index: i, term: this.term(i) ?? 0 }
  }

  /**
   * AppendEntries' receiver rules 2-5: when our entry at `prevIndex` has
   * `prevTerm`, keep what matches, replace from the first conflict on, and
   * commit up to what the leader has committed and we now know matches.
   * Returns the last index known to match the leader and where the log was
   * first changed (0: not at all), or undefined on a mismatch.
   */
  maybeAppend (prevIndex: number, prevTerm: number, commit: number, entries: Entry[]): { lastNew: number, conflict: number } | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined
    const lastNew = prevIndex + entries.length
    const conflict = this.findConflict(entries)
    if (conflict !== 0) {
      // A conflict below commit would mean two different committed entries (State Machine Safety).
      if (conflict <= this.committed) throw new RaftInvariantError(`entry ${conflict} conflicts with a committed entry (commit ${this.committed})`)
      this.append(entries.slice(conflict - prevIndex - 1))
    }
    this.commitTo(Math.min(commit, lastNew))
    return { lastNew, conflict }
  }

  /** Replace everything from `entries[0].index` on with `entries`. */
  append (entries: Entry[]): void {
    if (entries.length === 0) return
    const first = entries[0]!.index
    if (first <= this.snapshot.index || first > this.lastIndex() + 1) {
      throw new RaftInvariantError(`cannot append at ${first}: the log holds ${this.firstIndex()}..${this.lastIndex()}`)
    }
    this.truncateFrom(first)
    for (const e of entries) this.entries.push(e)
  }

  /**
   * Drop entries from `index` on. Only an append with a conflict may do it
   * (and the `truncateWithoutConflict` test switch, which is the bug).
   */
  truncateFrom (index: number): void {
    const keep = Math.max(0, index - this.snapshot.index - 1)
    if (keep < this.entries.length) this.entries.length = keep
    this.unsentFrom = Math.min(this.unsentFrom, index)
    this.stable = Math.min(this.stable, index - 1)
  }

  commitTo (index: number): void {
    if (index <= this.committed) return
    if (index > this.lastIndex()) throw new RaftInvariantError(`commit ${index} is beyond the last index ${this.lastIndex()}`)
    this.committed = index
  }

  /** Committed entries the state machine has not been given, at most `max`. */
  nextCommitted (from: number, max: number): Entry[] {
    const hi = Math.min(this.committed, this.lastIndex())
    return this.slice(Math.max(from, this.firstIndex()), hi + 1, max)
  }

  /** The disk now holds everything up to `index` with `term` (ignored when that entry was replaced meanwhile). */
  stableTo (index: number, term: number): void {
    if (index > this.stable && this.matchTerm(index, term)) this.stable = index
  }

  /** Entries not yet handed out to be persisted; marks them handed out. */
  takeUnsent (): Entry[] {
    const out = this.slice(this.unsentFrom, this.lastIndex() + 1)
    this.unsentFrom = this.lastIndex() + 1
    return out
  }

  hasUnsent (): boolean {
    return this.unsentFrom <= this.lastIndex()
  }

  /** InstallSnapshot: the log becomes the snapshot alone; everything in it is committed. */
  restore (snapshot: Snapshot): void {
    this.snapshot = snapshot
    this.entries = []
    this.committed = snapshot.index
    this.applied = snapshot.index
    this.stable = snapshot.index
    this.unsentFrom = snapshot.index + 1
  }

  /** Log compaction (§7): drop entries up to `snapshot.index`, which the state machine has applied. */
  compact (snapshot: Snapshot): void {
    const drop = snapshot.index - this.snapshot.index
    this.entries.splice(0, drop)
    this.snapshot = snapshot
    this.unsentFrom = Math.max(this.unsentFrom, snapshot.index + 1)
    this.stable = Math.max(this.stable, snapshot.index)
  }
}
