/**
 * From an inventory to what it means: the advisories its packages fall
 * under, the files on a malware list, and the layer's score. Advisories are
 * looked up once per package key and KEV and EPSS once per scan, so a layer
 * of a thousand packages costs a thousand store reads, not ten thousand.
 */
import { matchPackages, recordKey, type Finding, type InstalledPackage, type ThreatDb } from '../match.js'
import type { Advisory, ThreatLookup } from '../lookup.js'
import { layerThreatScore } from '../score.js'
import { MALWARE_LOOKUP_BATCH } from './constants.js'
import type { MalwareFinding } from './index.js'

/** The findings for packages installed on an OS release like `Debian:12`. */
export async function findVulnerabilities (lookup: ThreatLookup, packages: InstalledPackage[], osEcosystem?: string): Promise<Finding[]> {
  const byPackage = new Map<string, Advisory[]>()
  for (const p of packages) {
    const os = p.ecosystem === 'Debian' || p.ecosystem === 'Alpine'
    const key = recordKey(p.ecosystem, os ? p.source?.name ?? p.name : p.name)
    if (byPackage.has(key)) continue
    const found = await lookup.advisories(key)
    if (found.length > 0) byPackage.set(key, found)
  }
  if (byPackage.size === 0) return []
  const ids = new Set<string>()
  for (const list of byPackage.values()) {
    for (const { record } of list) for (const id of [record.id, ...record.aliases, ...record.upstream]) ids.add(id)
  }
  const [kev, epss] = await Promise.all([lookup.kev([...ids]), lookup.epss([...ids])])
  const db: ThreatDb = { byPackage, kev, epss }
  return matchPackages(db, packages, osEcosystem)
}

/** Files (and the blob itself) whose sha256 is on a malware list. */
export async function findMalware (lookup: ThreatLookup, files: Iterable<{ path: string, sha256: string }>, blobDigest?: string): Promise<MalwareFinding[]> {
  const out: MalwareFinding[] = []
  let batch: Array<{ path: string, sha256: string }> = []
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return
    const hits = await lookup.malware([...new Set(batch.map(f => f.sha256))])
    for (const f of batch) {
      const m = hits.get(f.sha256)
      if (m != null) out.push({ path: f.path, sha256: f.sha256, ...(m.signature != null ? { signature: m.signature } : {}) })
    }
    batch = []
  }
  if (blobDigest?.startsWith('sha256:') === true) batch.push({ path: '', sha256: blobDigest.slice('sha256:'.length) })
  for (const f of files) {
    batch.push(f)
    if (batch.length >= MALWARE_LOOKUP_BATCH) await flush()
  }
  await flush()
  return out
}

export function scoreOf (findings: Finding[], malware: MalwareFinding[]): number {
  return layerThreatScore(findings, malware.length > 0)
}
