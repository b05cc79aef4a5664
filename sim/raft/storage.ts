/**
 * A seed's disk. Writes land in a volatile buffer (the page cache) and
 * become durable only on `sync` (fsync) or a later background writeback;
 * a crash loses everything not yet durable. Writes are applied in order, so
 * what survives is always a prefix of what was written, as with a
 * write-ahead log. What a write does is the core's own model (persist.ts).
 */
import { applyWrites, emptyState } from '../../src/quorum/raft/persist.js'
import type { PersistedState, Ready } from '../../src/quorum/raft/index.js'
import type { ReadyWrites } from '../../src/quorum/raft/persist.js'

export class SimStorage {
  private readonly durable: PersistedState = emptyState()
  private pending: ReadyWrites[] = []
  /** Set when a write would leave a gap in the stored log: the driver wrote out of order. */
  error: string | undefined

  /** Buffer a Ready's writes. */
  write (rd: Ready): void {
    const w: ReadyWrites = { entries: rd.entries }
    if (rd.snapshot != null) w.snapshot = rd.snapshot
    if (rd.compacted != null) w.compacted = rd.compacted
    if (rd.hardState != null) w.hardState = rd.hardState
    if (w.snapshot != null || w.compacted != null || w.entries.length > 0 || w.hardState != null) this.pending.push(w)
  }

  get dirty (): boolean { return this.pending.length > 0 }

  sync (): void {
    for (const w of this.pending) {
      try {
        applyWrites(this.durable, w)
      } catch (err) {
        this.error ??= (err as Error).message
      }
    }
    this.pending = []
  }

  /** Power loss: the page cache is gone. */
  crash (): void {
    this.pending = []
  }

  load (): PersistedState {
    const state: PersistedState = { hardState: { ...this.durable.hardState }, entries: this.durable.entries.slice() }
    if (this.durable.snapshot != null) state.snapshot = this.durable.snapshot
    return state
  }

  get durableCommit (): number { return this.durable.hardState.commit }
}
