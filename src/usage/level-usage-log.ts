/**
 * The usage log in its own LevelDB (`<data>/usage`): keys and values utf8,
 * event keys sortable by time (see `record.ts`), roll-ups beside them (see
 * `rollup-record.ts`). Writes are batched and not synced: a crash loses at
 * most the last batches of events, which is fine for a log of what was
 * served, and LevelDB recovers a batch whole or not at all, so the roll-ups
 * still count exactly the events that survived.
 */
import { mkdir } from 'node:fs/promises'
import { ClassicLevel } from 'classic-level'
import { BaseUsageLog } from './base-usage-log.js'
import { InvalidUsageOptionError } from './errors.js'
import type { LevelUsageLogInit, UsageLogComponents } from './index.js'
import type { BatchOp, KeyRange } from './storage.js'

type UsageDb = ClassicLevel<string, string>

export class LevelUsageLog extends BaseUsageLog {
  readonly dir: string
  private db?: UsageDb

  constructor (init: LevelUsageLogInit, components: UsageLogComponents = {}) {
    super(withoutDir(init), components)
    this.dir = init.dir
  }

  protected async openStorage (): Promise<void> {
    await mkdir(this.dir, { recursive: true })
    const db: UsageDb = new ClassicLevel<string, string>(this.dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
    await db.open()
    this.db = db
  }

  protected async closeStorage (): Promise<void> {
    const db = this.db
    this.db = undefined
    await db?.close()
  }

  protected async getValues (keys: string[]): Promise<Array<string | undefined>> {
    return await this.requireDb().getMany(keys)
  }

  /** One LevelDB write batch: applied whole or not at all, even across a crash. */
  protected async applyBatch (ops: BatchOp[]): Promise<void> {
    if (ops.length === 0) return
    await this.requireDb().batch(ops)
  }

  protected readEntries (range: KeyRange): AsyncIterable<[string, string]> {
    return this.requireDb().iterator(range)
  }

  protected readKeys (range: KeyRange): AsyncIterable<string> {
    return this.requireDb().keys(range)
  }

  private requireDb (): UsageDb {
    if (this.db == null) throw new Error('shoal:usage: the usage database is not open')
    return this.db
  }
}

/** Check `dir` and pass the rest on, so the shared checks see only the common options. */
function withoutDir (init: LevelUsageLogInit): Omit<LevelUsageLogInit, 'dir'> {
  if (typeof init !== 'object' || init == null || typeof init.dir !== 'string' || init.dir === '') {
    throw new InvalidUsageOptionError('usage log option dir is required: its own LevelDB directory (e.g. <data>/usage)')
  }
  const { dir: _dir, ...rest } = init
  return rest
}
