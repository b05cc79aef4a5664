/**
 * Where a seed keeps its Raft state: the log entries, the hard state
 * (term, vote and commit, in one key, so term and vote change together
 * atomically) and the newest snapshot. The driver hands each Ready's
 * writes to `write` and awaits it before sending the Ready's messages; one
 * Ready is one atomic batch, synced when the Ready says so. What a write
 * does is exactly the core's model (`applyWrites` in raft/persist.ts): the
 * conformance suite (test/quorum/storage/conformance.ts) runs the same
 * writes through the model and through each storage, reopening between
 * them. The replica-target state is not stored apart: on start it is
 * rebuilt from the snapshot, and the core hands the committed entries
 * after it out again.
 *
 * `createLevelRaftStorage` keeps it in its own LevelDB (`<data>/quorum`);
 * `createMemoryRaftStorage` is its in-memory twin (a "disk" that survives
 * close and open, for tests).
 */
import { LevelRaftStorage } from './level-storage.js'
import { MemoryRaftStorage } from './memory-storage.js'
import { InvalidRaftStorageOptionError } from './errors.js'
import type { PersistedState } from '../raft/types.js'
import type { ReadyWrites } from '../raft/persist.js'

export * from './constants.js'
export * from './errors.js'
export type { LevelRaftStorage } from './level-storage.js'
export type { MemoryRaftStorage } from './memory-storage.js'

export interface RaftStorage {
  /** Open, and read back everything stored (all empty the first time). Throws CorruptStateError on a value that does not decode or a log with a gap. */
  open (): Promise<PersistedState>
  /**
   * Do one Ready's writes (snapshot, compaction, entries, hard state) as one
   * atomic batch, in the order `applyWrites` does them; with `sync`, it is
   * on disk (fsync) when this resolves. Writes must not overlap: await each.
   * Throws CorruptStateError, writing nothing, when the entries would leave a gap.
   */
  write (writes: ReadyWrites, options: { sync: boolean }): Promise<void>
  /** Safe to call twice, and while a write is pending (which finishes first). */
  close (): Promise<void>
}

export interface LevelRaftStorageInit {
  /** The LevelDB directory (e.g. `<data>/quorum`); created if missing. Used by nothing else. */
  dir: string
}

export function createLevelRaftStorage (init: LevelRaftStorageInit): LevelRaftStorage {
  if (typeof init !== 'object' || init == null || typeof init.dir !== 'string' || init.dir === '') {
    throw new InvalidRaftStorageOptionError('Raft storage option dir is required: its own LevelDB directory (e.g. <data>/quorum)')
  }
  for (const key of Object.keys(init)) {
    if (key !== 'dir') throw new InvalidRaftStorageOptionError(`unknown Raft storage option "${key}"; the only option is dir`)
  }
  return new LevelRaftStorage(init.dir)
}

export function createMemoryRaftStorage (): MemoryRaftStorage {
  return new MemoryRaftStorage()
}
