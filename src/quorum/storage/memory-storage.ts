/**
 * The in-memory twin of the LevelDB storage: the core's model
 * (`applyWrites`) over a state that outlives close and open, like a disk.
 * Every write is durable at once; copies go in and out so a caller holding
 * a returned state cannot change what is "on disk".
 */
import { applyWrites, emptyState } from '../raft/persist.js'
import { RaftStorageClosedError } from './errors.js'
import type { RaftStorage } from './index.js'
import type { PersistedState } from '../raft/types.js'
import type { ReadyWrites } from '../raft/persist.js'

export class MemoryRaftStorage implements RaftStorage {
  private disk: PersistedState = emptyState()
  private opened = false
  /** Writes done, for tests. */
  writes = 0

  async open (): Promise<PersistedState> {
    this.opened = true
    return copyState(this.disk)
  }

  async write (writes: ReadyWrites, _options: { sync: boolean }): Promise<void> {
    if (!this.opened) throw new RaftStorageClosedError()
    // Work on a copy: a write that throws (a gap) leaves the disk as it was, as a failed batch would.
    const next = copyState(this.disk)
    applyWrites(next, writes)
    this.disk = next
    this.writes++
  }

  async close (): Promise<void> {
    this.opened = false
  }
}

function copyState (s: PersistedState): PersistedState {
  const out: PersistedState = { hardState: { ...s.hardState }, entries: s.entries.map(e => ({ ...e, data: e.data.slice() })) }
  if (s.snapshot != null) out.snapshot = { ...s.snapshot, config: { voters: [...s.snapshot.config.voters] }, data: s.snapshot.data.slice() }
  return out
}
