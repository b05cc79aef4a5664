/**
 * Matching an inventory against OSV records. OS packages match by the
 * source package (Debian's `Source:`, Alpine's origin) and the image's OS
 * release (`Debian:12` records apply to a Debian 12 image; a record without
 * a release applies to any); language packages (npm, PyPI) by name, PyPI
 * names normalised as PEP 503 says. KEV joins on the record's id, aliases
 * and upstream ids; EPSS on the same.
 */
import { isAffected, fixedVersion, type OsvAffected, type OsvRecord } from './osv/index.js'
import { compareVersions } from './version/index.js'
import { layerThreatScore, severityOf } from './score.js'

export type Ecosystem = 'Debian' | 'Alpine' | 'npm' | 'PyPI'

export interface InstalledPackage {
  ecosystem: Ecosystem
  name: string
  version: string
  source?: { name: string, version?: string }
}

export interface Finding {
  ecosystem: Ecosystem
  package: string
  version: string
  vulnerability: string
  aliases: string[]
  /** In [0, 1] (see score.ts): the CVSS base score / 10 when the record has one, else from `rating`. */
  severity: number
  /** The record's CVSS base score (0-10), when it has a well-formed vector (see `bestCvss`). */
  cvss?: number
  rating?: string
  fixed?: string
  kev: boolean
  epss?: number
}

export interface ThreatDb {
  /** Records by `<ecosystem without release>/<name>` (see `recordKey`). */
  byPackage: Map<string, Array<{ record: OsvRecord, affected: OsvAffected }>>
  kev: Set<string>
  epss: Map<string, number>
}

function normalise (ecosystem: string, name: string): string {
  return ecosystem === 'PyPI' ? name.toLowerCase().replace(/[-_.]+/g, '-') : name
}

export function recordKey (ecosystem: string, name: string): string {
  const base = ecosystem.split(':')[0] ?? ecosystem
  return `${base}/${normalise(base, name)}`
}

/** Index records for matching; withdrawn ones are left out. */
export function buildThreatDb (records: Iterable<OsvRecord>, kev: Iterable<string> = [], epss: Map<string, number> = new Map()): ThreatDb {
  const byPackage: ThreatDb['byPackage'] = new Map()
  for (const record of records) {
    if (record.withdrawn != null) continue
    for (const affected of record.affected) {
      const key = recordKey(affected.ecosystem, affected.name)
      const list = byPackage.get(key) ?? []
      list.push({ record, affected })
      byPackage.set(key, list)
    }
  }
  return { byPackage, kev: new Set(kev), epss }
}

/** The findings for packages installed on an OS release like `Debian:12` (undefined for language packages only). */
export function matchPackages (db: ThreatDb, packages: InstalledPackage[], osEcosystem?: string): Finding[] {
  const findings: Finding[] = []
  const seen = new Set<string>()
  for (const p of packages) {
    const os = p.ecosystem === 'Debian' || p.ecosystem === 'Alpine'
    const name = os ? p.source?.name ?? p.name : p.name
    const version = os ? p.source?.version ?? p.version : p.version
    for (const { record, affected } of db.byPackage.get(recordKey(p.ecosystem, name)) ?? []) {
      const release = affected.ecosystem.includes(':') ? affected.ecosystem : undefined
      if (os && release != null && osEcosystem != null && release !== osEcosystem) continue
      const compare = (a: string, b: string): -1 | 0 | 1 => compareVersions(p.ecosystem, a, b)
      let hit: boolean
      try {
        hit = isAffected(affected, version, compare)
      } catch {
        continue // a version this ecosystem cannot order: no claim either way
      }
      if (!hit) continue
      const key = `${p.ecosystem}/${name}/${version}/${record.id}`
      if (seen.has(key)) continue
      seen.add(key)
      const ids = [record.id, ...record.aliases, ...record.upstream]
      const epss = ids.map(id => db.epss.get(id)).find(e => e != null)
      let fixed: string | undefined
      try { fixed = fixedVersion(affected, version, compare) } catch { fixed = undefined }
      findings.push({
        ecosystem: p.ecosystem,
        package: name,
        version,
        vulnerability: record.id,
        aliases: record.aliases,
        severity: severityOf({ ...(record.cvss != null ? { cvssBaseScore: record.cvss.score } : {}), ...(record.rating != null ? { rating: record.rating } : {}) }),
        ...(record.cvss != null ? { cvss: record.cvss.score } : {}),
        ...(record.rating != null ? { rating: record.rating } : {}),
        ...(fixed != null ? { fixed } : {}),
        kev: ids.some(id => db.kev.has(id)),
        ...(epss != null ? { epss } : {})
      })
    }
  }
  return findings
}

/** A layer's score from its findings and whether any of its files is known malware. */
export function scoreFindings (findings: Finding[], malware: boolean): number {
  return layerThreatScore(findings, malware)
}
