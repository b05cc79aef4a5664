/**
 * Seeded sequences of Ready writes shaped like the core's: a founder's
 * first entry, appends that sometimes overwrite an uncommitted tail,
 * term and vote changes, commits that only go forward, compactions below
 * the commit, and snapshots installed from a leader (possibly beyond the
 * log). Each is valid for the model (`applyWrites`), and every prefix is a
 * state the core can restart from. Also used by the crash child.
 */
import { encodeConfig } from '../../../src/quorum/raft/config.js'
import { applyWrites, emptyState } from '../../../src/quorum/raft/persist.js'
import { Prng } from '../../../sim/raft/prng.js'
import type { Entry, PersistedState, Snapshot } from '../../../src/quorum/raft/types.js'
import type { ReadyWrites } from '../../../src/quorum/raft/persist.js'

export const VOTERS = ['a', 'b', 'c']

export interface Step {
  writes: ReadyWrites
  sync: boolean
}

/** `steps` Ready writes from `seed`, and the model's state after each. */
export function sequence (seed: number, steps: number): { steps: Step[], states: PersistedState[] } {
  const r = new Prng(seed)
  const model = emptyState()
  const out: Step[] = []
  const states: PersistedState[] = []
  const push = (writes: ReadyWrites): void => {
    applyWrites(model, writes)
    out.push({ writes, sync: writes.entries.length > 0 || writes.snapshot != null || writes.compacted != null || r.chance(0.5) })
    states.push(clone(model))
  }
  // The founder's first Ready: the configuration entry, committed.
  push({ entries: [{ index: 1, term: 1, kind: 'config', data: encodeConfig({ voters: VOTERS }) }], hardState: { term: 1, vote: null, commit: 1 } })
  let term = 1
  while (out.length < steps) {
    const base = model.snapshot?.index ?? 0
    const last = base + model.entries.length
    const commit = model.hardState.commit
    const w: ReadyWrites = { entries: [] }
    let hard = { ...model.hardState }
    const roll = r.float()
    if (roll < 0.08) {
      // A snapshot from the leader: sometimes beyond our log, sometimes inside it.
      term += r.int(2)
      const index = Math.max(commit, last) + r.range(-Math.min(3, Math.max(0, last - commit)), 20)
      if (index > base && index > 0) {
        w.snapshot = snapshot(r, Math.max(index, commit), term)
        hard = { ...hard, term: Math.max(hard.term, term), commit: Math.max(commit, w.snapshot.index) }
      }
    } else if (roll < 0.2 && commit > base) {
      const index = r.range(base + 1, commit)
      w.compacted = snapshot(r, index, termAt(model, index))
    }
    if (r.chance(0.7)) {
      const lastNow = w.snapshot != null ? w.snapshot.index : last
      const floor = Math.max(w.snapshot?.index ?? 0, w.compacted?.index ?? 0, commit, base)
      // Overwrite an uncommitted tail now and then, as a new leader does.
      const first = lastNow > floor && r.chance(0.25) ? r.range(floor + 1, lastNow) : lastNow + 1
      if (r.chance(0.3)) term++
      const n = r.range(1, 6)
      const entries: Entry[] = []
      for (let i = 0; i < n; i++) entries.push({ index: first + i, term, kind: r.chance(0.1) ? 'noop' : 'command', data: bytes(r) })
      w.entries = entries
    }
    if (r.chance(0.6) || w.entries.length > 0 || w.snapshot != null) {
      const lastAfter = w.entries.length > 0 ? w.entries[w.entries.length - 1]!.index : (w.snapshot?.index ?? last)
      hard = {
        term: Math.max(hard.term, term),
        vote: r.chance(0.3) ? r.pick([...VOTERS, null]) : hard.vote,
        commit: Math.max(hard.commit, Math.min(lastAfter, hard.commit + r.int(8)))
      }
      w.hardState = hard
    }
    if (w.snapshot == null && w.compacted == null && w.entries.length === 0 && w.hardState == null) continue
    push(w)
  }
  return { steps: out, states }
}

export function clone (s: PersistedState): PersistedState {
  const out: PersistedState = { hardState: { ...s.hardState }, entries: s.entries.map(e => ({ ...e, data: e.data.slice() })) }
  if (s.snapshot != null) out.snapshot = { ...s.snapshot, config: { voters: [...s.snapshot.config.voters] }, data: s.snapshot.data.slice() }
  return out
}

/** A comparable form: bytes as hex, so `t.same` shows where two states differ. */
export function plain (s: PersistedState): unknown {
  return {
    hardState: s.hardState,
    entries: s.entries.map(e => ({ index: e.index, term: e.term, kind: e.kind, data: Buffer.from(e.data).toString('hex') })),
    snapshot: s.snapshot == null ? null : { index: s.snapshot.index, term: s.snapshot.term, voters: s.snapshot.config.voters, data: Buffer.from(s.snapshot.data).toString('hex') }
  }
}

function termAt (s: PersistedState, index: number): number {
  if (s.snapshot?.index === index) return s.snapshot.term
  return s.entries[index - (s.snapshot?.index ?? 0) - 1]!.term
}

function snapshot (r: Prng, index: number, term: number): Snapshot {
  return { index, term, config: { voters: VOTERS }, data: bytes(r) }
}

function bytes (r: Prng): Uint8Array {
  const n = r.chance(0.05) ? r.range(8 * 1024, 40 * 1024) : r.int(48)
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = r.int(256)
  return b
}
