/**
 * Scan results by layer digest, in LevelDB (`<data>/scans` in the daemon):
 * the inventory (`i/<digest>`, valid while its analyzer version is current)
 * so a change of feeds re-judges a layer without reading it again; the
 * latest judgement (`s/<digest>`), which the priority and eviction work reads
 * as the layer's threat score; and the quarantine (`q/<digest>`), blobs
 * that must never be served or announced again, with the reason. A damaged
 * value reads as absent: the layer is scanned again.
 */
import { ClassicLevel } from 'classic-level'
import { ANALYZER_VERSION } from './constants.js'
import type { CachedInventory, LayerScan } from './index.js'

export interface QuarantineRecord {
  digest: string
  reason: string
  at: string
}

export interface ScanCacheInit {
  /** The LevelDB directory; none keeps everything in memory (tests, one-off CLI scans). */
  dir?: string
}

type Db = ClassicLevel<string, string>

export class ScanCache {
  #db: Db | undefined
  readonly #memory = new Map<string, string>()

  constructor (private readonly init: ScanCacheInit = {}) {}

  async start (): Promise<void> {
    if (this.#db != null || this.init.dir == null) return
    const db = new ClassicLevel<string, string>(this.init.dir, { valueEncoding: 'utf8' })
    await db.open()
    this.#db = db
  }

  async stop (): Promise<void> {
    const db = this.#db
    this.#db = undefined
    await db?.close()
  }

  async getInventory (digest: string): Promise<CachedInventory | undefined> {
    const inv = await this.#get<CachedInventory>(`i/${digest}`)
    return inv?.analyzer === ANALYZER_VERSION && Array.isArray(inv.packages) && Array.isArray(inv.files) ? inv : undefined
  }

  async putInventory (digest: string, inventory: CachedInventory): Promise<void> {
    await this.#put(`i/${digest}`, inventory)
  }

  async getScan (digest: string): Promise<LayerScan | undefined> {
    const scan = await this.#get<LayerScan>(`s/${digest}`)
    return typeof scan?.score === 'number' && typeof scan.generation === 'string' ? scan : undefined
  }

  async putScan (digest: string, scan: LayerScan): Promise<void> {
    await this.#put(`s/${digest}`, scan)
  }

  async * scans (): AsyncGenerator<LayerScan> {
    for await (const [, value] of this.#range('s/')) {
      const scan = parse<LayerScan>(value)
      if (scan != null) yield scan
    }
  }

  async getQuarantine (digest: string): Promise<QuarantineRecord | undefined> {
    return await this.#get<QuarantineRecord>(`q/${digest}`)
  }

  async putQuarantine (record: QuarantineRecord): Promise<void> {
    await this.#put(`q/${record.digest}`, record)
  }

  async deleteQuarantine (digest: string): Promise<boolean> {
    const had = await this.getQuarantine(digest) != null
    if (this.#db != null) await this.#db.del(`q/${digest}`)
    else this.#memory.delete(`q/${digest}`)
    return had
  }

  async * quarantine (): AsyncGenerator<QuarantineRecord> {
    for await (const [, value] of this.#range('q/')) {
      const r = parse<QuarantineRecord>(value)
      if (r != null) yield r
    }
  }

  async #get<T> (key: string): Promise<T | undefined> {
    const text = this.#db != null ? await this.#db.get(key) : this.#memory.get(key)
    return text == null ? undefined : parse<T>(text)
  }

  async #put (key: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value)
    if (this.#db != null) await this.#db.put(key, text)
    else this.#memory.set(key, text)
  }

  async * #range (prefix: string): AsyncGenerator<[string, string]> {
    if (this.#db != null) {
      // '0' follows '/' in byte order: the end of the prefix's range.
      yield * this.#db.iterator({ gte: prefix, lt: prefix.slice(0, -1) + '0' })
      return
    }
    for (const [k, v] of [...this.#memory].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => a < b ? -1 : 1)) yield [k, v]
  }
}

function parse<T> (text: string): T | undefined {
  try {
    const v: unknown = JSON.parse(text)
    return typeof v === 'object' && v != null ? v as T : undefined
  } catch {
    return undefined
  }
}
