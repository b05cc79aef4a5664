/**
 * The last known resolution of each tag (origin host, repository, tag ->
 * digest), kept on disk so a host can still resolve tags it has seen when the
 * origin is down. `LevelTagStore` is the daemon's; `MemoryTagStore` its twin.
 */
import { ClassicLevel } from 'classic-level'

export interface TagRecord {
  digest: string
  mediaType: string
  sizeBytes: number
  resolvedAtMs: number
}

export interface TagStore {
  start (): Promise<void>
  stop (): Promise<void>
  get (host: string, name: string, tag: string): Promise<TagRecord | undefined>
  put (host: string, name: string, tag: string, record: TagRecord): Promise<void>
}

function key (host: string, name: string, tag: string): string {
  return `${host}/${name}:${tag}`
}

function isRecord (v: unknown): v is TagRecord {
  const r = v as TagRecord
  return typeof r === 'object' && r != null && typeof r.digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(r.digest) &&
    typeof r.mediaType === 'string' && Number.isSafeInteger(r.sizeBytes) && Number.isFinite(r.resolvedAtMs)
}

export class LevelTagStore implements TagStore {
  private db: ClassicLevel<string, string> | undefined

  constructor (private readonly dir: string) {}

  async start (): Promise<void> {
    if (this.db != null) return
    const db = new ClassicLevel<string, string>(this.dir, { valueEncoding: 'utf8' })
    await db.open()
    this.db = db
  }

  async stop (): Promise<void> {
    const db = this.db
    this.db = undefined
    await db?.close()
  }

  async get (host: string, name: string, tag: string): Promise<TagRecord | undefined> {
    const text = await this.db?.get(key(host, name, tag))
    if (text == null) return undefined
    try {
      const v: unknown = JSON.parse(text)
      return isRecord(v) ? v : undefined
    } catch {
      return undefined // a damaged record is as good as none: the origin or a peer answers instead
    }
  }

  async put (host: string, name: string, tag: string, record: TagRecord): Promise<void> {
    await this.db?.put(key(host, name, tag), JSON.stringify(record))
  }
}

export class MemoryTagStore implements TagStore {
  private readonly map = new Map<string, TagRecord>()
  async start (): Promise<void> {}
  async stop (): Promise<void> {}
  async get (host: string, name: string, tag: string): Promise<TagRecord | undefined> {
    return this.map.get(key(host, name, tag))
  }

  async put (host: string, name: string, tag: string, record: TagRecord): Promise<void> {
    this.map.set(key(host, name, tag), record)
  }
}
