/**
 * The Raft state in its own LevelDB (`<data>/quorum`). One Ready is one
 * LevelDB batch, and a batch is atomic (LevelDB's write-ahead log), so a
 * crash at any point leaves the state before or after a whole Ready, never
 * a log with a gap or a term without its vote. The stored log's bounds are
 * kept in memory, so truncating or compacting deletes exactly the keys
 * there are without reading them first.
 */
import { mkdir } from 'node:fs/promises'
import { ClassicLevel } from 'classic-level'
import { CorruptStateError } from '../raft/errors.js'
import { FORMAT_KEY, HARD_STATE_KEY, SNAPSHOT_KEY, STORAGE_FORMAT } from './constants.js'
import {
  decodeEntry, decodeHardState, decodeSnapshot, encodeEntry, encodeHardState, encodeSnapshot, ENTRY_RANGE, entryKey, indexOfEntryKey
} from './codec.js'
import { RaftStorageClosedError } from './errors.js'
import type { RaftStorage } from './index.js'
import type { Entry, PersistedState, Snapshot } from '../raft/types.js'
import type { ReadyWrites } from '../raft/persist.js'

type RaftDb = ClassicLevel<string, Uint8Array>
type Op = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

export class LevelRaftStorage implements RaftStorage {
  readonly dir: string
  private db?: RaftDb
  /** The stored snapshot's index (0 when none) and the stored log's last index. */
  private base = 0
  private last = 0
  private writing: Promise<void> = Promise.resolve()
  private closing: Promise<void> | undefined

  constructor (dir: string) {
    this.dir = dir
  }

  async open (): Promise<PersistedState> {
    if (this.db != null || this.closing != null) throw new RaftStorageClosedError('the Raft storage is open already (or closing)')
    await mkdir(this.dir, { recursive: true })
    const db: RaftDb = new ClassicLevel<string, Uint8Array>(this.dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    try {
      const state = await this.load(db)
      this.db = db
      return state
    } catch (err) {
      await db.close()
      throw err
    }
  }

  private async load (db: RaftDb): Promise<PersistedState> {
    const format = await db.get(FORMAT_KEY)
    if (format == null) {
      await db.put(FORMAT_KEY, new TextEncoder().encode(String(STORAGE_FORMAT)), { sync: true })
    } else if (new TextDecoder().decode(format) !== String(STORAGE_FORMAT)) {
      throw new CorruptStateError(`${this.dir} holds Raft storage format ${new TextDecoder().decode(format).slice(0, 20)}; this version reads format ${STORAGE_FORMAT}`)
    }
    const hard = await db.get(HARD_STATE_KEY)
    const snap = await db.get(SNAPSHOT_KEY)
    const state: PersistedState = { hardState: hard == null ? { term: 0, vote: null, commit: 0 } : decodeHardState(hard), entries: [] }
    if (snap != null) state.snapshot = decodeSnapshot(snap)
    const base = state.snapshot?.index ?? 0
    let expected = base + 1
    for await (const [key, value] of db.iterator(ENTRY_RANGE)) {
      const index = indexOfEntryKey(key)
      if (index == null) throw new CorruptStateError(`${this.dir}: stray key ${JSON.stringify(key.slice(0, 40))} among the entries`)
      const entry = decodeEntry(value, key)
      if (entry.index !== index) throw new CorruptStateError(`${this.dir}: the entry under ${key} says it is ${entry.index}`)
      if (index !== expected) throw new CorruptStateError(`${this.dir}: stored log has entry ${index} where ${expected} was expected (snapshot at ${base})`)
      state.entries.push(entry)
      expected++
    }
    this.base = base
    this.last = expected - 1
    return state
  }

  async write (writes: ReadyWrites, options: { sync: boolean }): Promise<void> {
    if (this.db == null || this.closing != null) throw new RaftStorageClosedError()
    // Chained, so that even overlapping calls land in call order and the bounds stay right.
    const done = this.writing.then(async () => { await this.writeNow(writes, options) })
    this.writing = done.catch(() => {})
    await done
  }

  private async writeNow (writes: ReadyWrites, options: { sync: boolean }): Promise<void> {
    const db = this.db
    if (db == null) throw new RaftStorageClosedError()
    const ops: Op[] = []
    let base = this.base
    let last = this.last
    const dropEntries = (from: number, to: number): void => {
      for (let i = from; i <= to; i++) ops.push({ type: 'del', key: entryKey(i) })
    }
    const putSnapshot = (s: Snapshot): void => { ops.push({ type: 'put', key: SNAPSHOT_KEY, value: encodeSnapshot(s) }) }
    if (writes.snapshot != null) {
      dropEntries(base + 1, last)
      putSnapshot(writes.snapshot)
      base = last = writes.snapshot.index
    }
    const compacted = writes.compacted
    if (compacted != null && compacted.index > base) {
      dropEntries(base + 1, Math.min(compacted.index, last))
      putSnapshot(compacted)
      base = compacted.index
      last = Math.max(last, base)
    }
    if (writes.entries.length > 0) {
      const first = writes.entries[0]!.index
      if (first <= base || first > last + 1) throw new CorruptStateError(`entries from ${first} written to a log holding ${base + 1}..${last}`)
      dropEntries(first, last)
      for (const e of writes.entries) ops.push({ type: 'put', key: entryKey(e.index), value: encodeEntry(e) })
      last = lastOf(writes.entries)
    }
    if (writes.hardState != null) ops.push({ type: 'put', key: HARD_STATE_KEY, value: encodeHardState(writes.hardState) })
    if (ops.length === 0) return
    await db.batch(ops, { sync: options.sync })
    this.base = base
    this.last = last
  }

  async close (): Promise<void> {
    if (this.closing != null) { await this.closing; return }
    const db = this.db
    if (db == null) return
    this.closing = (async () => {
      try {
        await this.writing
        await db.close()
      } finally {
        this.db = undefined
        this.closing = undefined
      }
    })()
    await this.closing
  }
}

function lastOf (entries: Entry[]): number {
  return entries[entries.length - 1]!.index
}
