/**
 * Parsers for the small feeds: malware hash lists (MalwareBazaar's CSV
 * export and plain sha256 lists), the CISA KEV catalog and FIRST's EPSS CSV.
 * Each reads the whole text (these feeds are megabytes, not gigabytes),
 * skips and counts malformed lines rather than failing, and refuses a file
 * that is not the format at all with InvalidFeedError.
 */
import { InvalidFeedError } from './errors.js'

export interface ParseStats {
  records: number
  skipped: number
}

export interface MalwareHash {
  sha256: string
  /** Malware family or signature, when the list names one. */
  signature?: string
  fileName?: string
}

const SHA256_RE = /^[a-f0-9]{64}$/
/** The all-zero hash some exports use as a placeholder row. */
const ZERO = '0'.repeat(64)

/** A MalwareBazaar CSV export or a plain list of sha256 hashes (one per line, `#` comments). */
export function parseMalwareList (text: string): { hashes: MalwareHash[], stats: ParseStats, updated?: string } {
  const hashes: MalwareHash[] = []
  const stats: ParseStats = { records: 0, skipped: 0 }
  let header: string[] | undefined
  let updated: string | undefined
  let sawData = false
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '') continue
    if (line.startsWith('#')) {
      const u = /Last updated:\s*([0-9-]+ [0-9:]+)/.exec(line)
      if (u != null) updated = u[1]
      const cols = /^#\s*("first_seen_utc".*)$/.exec(line)
      if (cols != null) header = splitCsv(cols[1] ?? '')
      continue
    }
    sawData = true
    if (header != null || line.startsWith('"')) {
      const cells = splitCsv(line)
      const at = (name: string, fallback: number): string | undefined => {
        const v = cells[header?.indexOf(name) ?? fallback] ?? cells[fallback]
        return v == null || v === 'n/a' || v === '' ? undefined : v
      }
      const sha = at('sha256_hash', 1)?.toLowerCase()
      if (sha == null || !SHA256_RE.test(sha) || sha === ZERO) { stats.skipped++; continue }
      const signature = at('signature', 8)
      const fileName = at('file_name', 5)
      hashes.push({ sha256: sha, ...(signature != null ? { signature } : {}), ...(fileName != null ? { fileName } : {}) })
      stats.records++
    } else {
      const sha = line.split(/\s+/)[0]?.toLowerCase() ?? ''
      if (!SHA256_RE.test(sha) || sha === ZERO) { stats.skipped++; continue }
      hashes.push({ sha256: sha })
      stats.records++
    }
  }
  if (!sawData && updated == null) throw new InvalidFeedError('not a malware hash list: no hashes and no MalwareBazaar header')
  return { hashes, stats, ...(updated != null ? { updated } : {}) }
}

/** `"a", "b","c"` -> [a, b, c]; quotes doubled inside quoted cells. */
function splitCsv (line: string): string[] {
  const out: string[] = []
  let i = 0
  while (i < line.length) {
    while (line[i] === ' ') i++
    if (line[i] === '"') {
      let cell = ''
      i++
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') { cell += '"'; i += 2; continue }
        if (line[i] === '"') { i++; break }
        cell += line[i]
        i++
      }
      out.push(cell)
      while (i < line.length && line[i] !== ',') i++
      i++
    } else {
      const end = line.indexOf(',', i)
      out.push(line.slice(i, end < 0 ? undefined : end).trim())
      i = end < 0 ? line.length : end + 1
    }
  }
  return out
}

export interface KevEntry {
  cveID: string
  vendorProject: string
  product: string
  dateAdded: string
  knownRansomwareCampaignUse?: string
}

/** The CISA KEV catalog (JSON). */
export function parseKev (text: string): { entries: KevEntry[], stats: ParseStats, catalogVersion: string, dateReleased: string } {
  let doc: { catalogVersion?: unknown, dateReleased?: unknown, vulnerabilities?: unknown }
  try {
    doc = JSON.parse(text) as typeof doc
  } catch (err) {
    throw new InvalidFeedError(`the KEV catalog is not JSON: ${(err as Error).message}`)
  }
  if (!Array.isArray(doc?.vulnerabilities) || typeof doc.catalogVersion !== 'string') throw new InvalidFeedError('not a KEV catalog: no catalogVersion or vulnerabilities list')
  const stats: ParseStats = { records: 0, skipped: 0 }
  const entries: KevEntry[] = []
  for (const v of doc.vulnerabilities as Array<Record<string, unknown>>) {
    if (typeof v?.cveID !== 'string' || !/^CVE-\d{4}-\d{4,}$/.test(v.cveID) || typeof v.dateAdded !== 'string') { stats.skipped++; continue }
    entries.push({
      cveID: v.cveID,
      vendorProject: typeof v.vendorProject === 'string' ? v.vendorProject : '',
      product: typeof v.product === 'string' ? v.product : '',
      dateAdded: v.dateAdded,
      ...(typeof v.knownRansomwareCampaignUse === 'string' ? { knownRansomwareCampaignUse: v.knownRansomwareCampaignUse } : {})
    })
    stats.records++
  }
  return { entries, stats, catalogVersion: doc.catalogVersion, dateReleased: typeof doc.dateReleased === 'string' ? doc.dateReleased : '' }
}

/** FIRST EPSS scores (CSV with an optional `#model_version:...,score_date:...` line). */
export function parseEpss (text: string): { scores: Map<string, { epss: number, percentile: number }>, stats: ParseStats, scoreDate?: string } {
  const scores = new Map<string, { epss: number, percentile: number }>()
  const stats: ParseStats = { records: 0, skipped: 0 }
  let scoreDate: string | undefined
  let header = false
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '') continue
    if (line.startsWith('#')) {
      const d = /score_date:([^,\s]+)/.exec(line)
      if (d != null) scoreDate = d[1]
      continue
    }
    if (!header) {
      if (!/^cve,epss,percentile$/i.test(line)) throw new InvalidFeedError(`not an EPSS CSV: expected the header cve,epss,percentile, got ${JSON.stringify(line.slice(0, 80))}`)
      header = true
      continue
    }
    const [cve = '', e = '', p = ''] = line.split(',')
    const epss = Number(e)
    const percentile = Number(p)
    if (!/^CVE-\d{4}-\d{4,}$/.test(cve) || !(epss >= 0 && epss <= 1) || !(percentile >= 0 && percentile <= 1)) { stats.skipped++; continue }
    scores.set(cve, { epss, percentile })
    stats.records++
  }
  return { scores, stats, ...(scoreDate != null ? { scoreDate } : {}) }
}
