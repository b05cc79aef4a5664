/**
 * The usage log in its own LevelDB (`<data>/usage`): keys and values utf8,
 * keys sortable by time (see `record.ts`). Writes are batched and not
 * synced: a crash loses at most the last batch of events, which is fine for
 * a log of what was served.
 */
import { mkdir } from 'node:fs/promises'
import { ClassicLevel } from 'classic-level'
import { BaseUsageLog, type KeyRange } from './base-usage-log.js'
import { InvalidUsageOptionError } from './errors.js'
import type { LevelUsageLogInit, UsageLogComponents } from './index.js'

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

  protected async putEntries (entries: Array<[string, string]>): Promise<void> {
    await this.requireDb().batch(entries.map(([key, value]) => ({ type: 'put' as const, key, value })))
  }

  protected async deleteKeys (keys: string[]): Promise<void> {
    await this.requireDb().batch(keys.map(key => ({ type: 'del' as const, key })))
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
