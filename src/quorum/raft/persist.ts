/**
 * The storage rules of a Ready, applied to an in-memory `PersistedState`.
 * This is the model every storage must match: the simulator's disk and the
 * unit tests use it as is, and the LevelDB storage (part 3) does the same
 * writes in one batch and can be checked against it.
 */
import { CorruptStateError } from './errors.js'
import type { PersistedState, Ready } from './types.js'

export type ReadyWrites = Pick<Ready, 'snapshot' | 'compacted' | 'entries' | 'hardState'>

/** Apply a Ready's writes, in the contract's order. Throws CorruptStateError if they would leave a gap. */
export function applyWrites (state: PersistedState, rd: ReadyWrites): void {
  if (rd.snapshot != null) {
    // Installed from the leader: the snapshot replaces the whole log.
    state.snapshot = rd.snapshot
    state.entries = []
  }
  const compacted = rd.compacted
  if (compacted != null && (state.snapshot == null || compacted.index > state.snapshot.index)) {
    state.snapshot = compacted
    state.entries = state.entries.filter(e => e.index > compacted.index)
  }
  if (rd.entries.length > 0) {
    const first = rd.entries[0]!.index
    const base = state.snapshot?.index ?? 0
    const last = base + state.entries.length
    if (first <= base || first > last + 1) throw new CorruptStateError(`entries from ${first} written to a log holding ${base + 1}..${last}`)
    state.entries.length = first - base - 1
    state.entries.push(...rd.entries)
  }
  if (rd.hardState != null) state.hardState = { ...rd.hardState }
}

export function emptyState (): PersistedState {
  return { hardState: { term: 0, vote: null, commit: 0 }, entries: [] }
}
