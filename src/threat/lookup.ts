/**
 * What matching asks of the threat feeds, whatever holds them: advisories
 * by package, KEV membership, EPSS and malware hashes. The daemon's
 * LevelDB feed store (`feeds/store.ts`) answers from disk, so a full OSV
 * export never sits in memory; `MemoryThreatLookup` answers from records
 * given to it (tests, and scans of a few advisory files).
 */
import { buildThreatDb, recordKey, type ThreatDb } from './match.js'
import type { MalwareHash } from './feeds/lists.js'
import type { OsvAffected, OsvRecord } from './osv/index.js'

export interface Advisory {
  record: OsvRecord
  affected: OsvAffected
}

export interface ThreatLookup {
  /** Advisories whose affected package has this `recordKey(ecosystem, name)`; withdrawn records never appear. */
  advisories (key: string): Promise<Advisory[]>
  /** Which of these ids (CVE ids) are in the KEV catalog. */
  kev (ids: string[]): Promise<Set<string>>
  /** EPSS probability per id, for those that have one. */
  epss (ids: string[]): Promise<Map<string, number>>
  /** The malware-list entries among these sha256 digests (lower-case hex). */
  malware (sha256s: string[]): Promise<Map<string, MalwareHash>>
  /**
   * Changes whenever the feeds' contents change: a layer result computed
   * under another generation is stale.
   */
  generation (): Promise<string>
}

export class MemoryThreatLookup implements ThreatLookup {
  readonly #db: ThreatDb
  readonly #malware: Map<string, MalwareHash>
  readonly #generation: string

  constructor (input: { records?: Iterable<OsvRecord>, kev?: Iterable<string>, epss?: Map<string, number>, malware?: Iterable<MalwareHash>, generation?: string } = {}) {
    this.#db = buildThreatDb(input.records ?? [], input.kev ?? [], input.epss ?? new Map())
    this.#malware = new Map([...(input.malware ?? [])].map(m => [m.sha256, m]))
    this.#generation = input.generation ?? 'memory'
  }

  async advisories (key: string): Promise<Advisory[]> {
    return this.#db.byPackage.get(key) ?? []
  }

  async kev (ids: string[]): Promise<Set<string>> {
    return new Set(ids.filter(id => this.#db.kev.has(id)))
  }

  async epss (ids: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    for (const id of ids) {
      const e = this.#db.epss.get(id)
      if (e != null) out.set(id, e)
    }
    return out
  }

  async malware (sha256s: string[]): Promise<Map<string, MalwareHash>> {
    const out = new Map<string, MalwareHash>()
    for (const s of sha256s) {
      const m = this.#malware.get(s)
      if (m != null) out.set(s, m)
    }
    return out
  }

  async generation (): Promise<string> {
    return this.#generation
  }
}

export { recordKey }
