/**
 * bench:scan (ingest part): how fast the threat-feed store takes in an OSV
 * export, and whether its memory stays flat while it does. A synthetic
 * `all.zip` of realistic records (npm, PyPI, Go, Debian and Alpine
 * releases; GHSA, PYSEC, GO, DEBIAN and ALPINE ids with CVE aliases;
 * ECOSYSTEM and SEMVER ranges with fixed and last_affected events, version
 * lists, CVSS vectors, references) is written to a temporary directory,
 * seeded so every run reads the same bytes, then added to a fresh store
 * by a child process of its own, so the peak RSS is the ingest's alone (not
 * the generator's garbage, nor whatever the caller ran before). Only the add
 * is timed; RSS is sampled every 50 ms during it.
 *
 *   node --import ./dist/src/polyfill.js dist/bench/scan-ingest.js [--records 50000] [--seed 1]
 *
 * prints `{ records, seconds, recordsPerSecond, peakRssMB, parseRecordsPerSecond, ingestRatio }` as JSON.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ThreatFeedStore } from '../src/threat/feeds/index.js'
import { osvItem } from '../src/threat/feeds/sources-osv.js'
import { zipJsonEntries } from '../src/threat/feeds/sources-zip.js'
import { ZipFileWriter } from '../test/utils/zip-writer.js'
import { parseBenchArgs, round, seededRandom } from './util.js'

const MiB = 1024 * 1024
const RSS_SAMPLE_MS = 50

export interface IngestBenchResult {
  records: number
  seconds: number
  recordsPerSecond: number
  peakRssMB: number
  /** Baseline in the same child: reading, JSON-decoding, schema-checking and parsing the same zip, nothing stored. */
  parseRecordsPerSecond: number
  /** parse-only rate / ingest rate: what storing and indexing add. */
  ingestRatio: number
}

const ECOSYSTEMS = [
  { ecosystem: 'npm', prefix: 'GHSA', range: 'SEMVER' },
  { ecosystem: 'PyPI', prefix: 'PYSEC', range: 'ECOSYSTEM' },
  { ecosystem: 'Go', prefix: 'GO', range: 'SEMVER' },
  { ecosystem: 'Debian:11', prefix: 'DEBIAN', range: 'ECOSYSTEM' },
  { ecosystem: 'Debian:12', prefix: 'DEBIAN', range: 'ECOSYSTEM' },
  { ecosystem: 'Alpine:v3.19', prefix: 'ALPINE', range: 'ECOSYSTEM' },
  { ecosystem: 'Alpine:v3.20', prefix: 'ALPINE', range: 'ECOSYSTEM' }
] as const

const GHSA_CHARS = '23456789cfghjmpqrvwx'

/** One record, the shape OSV publishes; `i` makes the id unique. */
function syntheticRecord (i: number, random: () => number): object {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T
  const eco = ECOSYSTEMS[i % ECOSYSTEMS.length]!
  const year = 2015 + (i % 10)
  const cve = `CVE-${year}-${String(10000 + i).padStart(5, '0')}`
  const ghsa = (): string => Array.from({ length: 3 }, () => Array.from({ length: 4 }, () => pick([...GHSA_CHARS])).join('')).join('-')
  const id = eco.prefix === 'GHSA' ? `GHSA-${ghsa()}` : eco.prefix === 'PYSEC' ? `PYSEC-${year}-${i}` : eco.prefix === 'GO' ? `GO-${year}-${i}` : `${eco.prefix}-${cve}`
  const v = (): string => `${1 + Math.floor(random() * 5)}.${Math.floor(random() * 20)}.${Math.floor(random() * 30)}`
  const pkg = `${pick(['lib', 'py', 'go', 'node', 'core'])}-${pick(['http', 'yaml', 'xml', 'crypto', 'json', 'image', 'auth'])}-${i % 5000}`
  const fixed = v()
  const events = random() < 0.15 ? [{ introduced: '0' }, { last_affected: fixed }] : [{ introduced: random() < 0.5 ? '0' : v() }, { fixed }]
  const affected = {
    package: { ecosystem: eco.ecosystem, name: pkg, ...(eco.ecosystem === 'npm' ? { purl: `pkg:npm/${pkg}` } : {}) },
    ranges: [{ type: eco.range, events }],
    ...(random() < 0.3 ? { versions: Array.from({ length: 1 + Math.floor(random() * 20) }, v) } : {}),
    ...(eco.prefix === 'DEBIAN' ? { ecosystem_specific: { urgency: pick(['low', 'medium', 'high']) } } : {})
  }
  const modified = new Date(Date.UTC(year, i % 12, 1 + (i % 28), i % 24)).toISOString().replace('.000Z', 'Z')
  return {
    schema_version: '1.6.0',
    id,
    modified,
    published: modified,
    aliases: eco.prefix === 'DEBIAN' || eco.prefix === 'ALPINE' ? [] : [cve],
    ...(eco.prefix === 'DEBIAN' ? { upstream: [cve] } : {}),
    summary: `${pick(['Denial of service', 'Remote code execution', 'Path traversal', 'Prototype pollution', 'Information disclosure'])} in ${pkg}`,
    details: `A flaw was found in ${pkg} before ${fixed}. `.repeat(1 + Math.floor(random() * 4)),
    severity: random() < 0.7 ? [{ type: 'CVSS_V3', score: `CVSS:3.1/AV:N/AC:${pick(['L', 'H'])}/PR:N/UI:${pick(['N', 'R'])}/S:U/C:H/I:${pick(['H', 'L', 'N'])}/A:H` }] : [],
    affected: random() < 0.1 ? [affected, { ...affected, package: { ...affected.package, name: `${pkg}-extra` } }] : [affected],
    references: [{ type: 'ADVISORY', url: `https://nvd.nist.gov/vuln/detail/${cve}` }, { type: 'WEB', url: `https://example.org/advisories/${i}` }],
    database_specific: { source: 'synthetic', ...(eco.prefix === 'GHSA' ? { severity: pick(['LOW', 'MODERATE', 'HIGH', 'CRITICAL']) } : {}) }
  }
}

export async function writeSyntheticExport (path: string, records: number, seed: number): Promise<void> {
  const next = seededRandom(seed)
  const random = (): number => next() / 2 ** 32
  const zip = await ZipFileWriter.create(path)
  try {
    for (let i = 0; i < records; i++) {
      const record = syntheticRecord(i, random) as { id: string }
      await zip.add({ name: `${record.id}.json`, data: JSON.stringify(record, null, 2) })
    }
  } finally {
    await zip.close()
  }
}

/** Ingest a synthetic OSV all.zip of `records` records into a fresh store (in a child process). */
export async function benchIngest (options: { records?: number, seed?: number } = {}): Promise<IngestBenchResult> {
  const records = options.records ?? 50_000
  const dir = await mkdtemp(join(tmpdir(), 'shoal-bench-ingest-'))
  try {
    const zip = join(dir, 'all.zip')
    await writeSyntheticExport(zip, records, options.seed ?? 1)
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--role', 'ingest', '--zip', zip, '--db', join(dir, 'db')], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    const [code] = await once(child, 'exit') as [number | null]
    if (code !== 0) throw new Error(`the ingest child exited with ${code}`)
    const result = JSON.parse(out) as IngestBenchResult
    if (result.records !== records) throw new Error(`ingested ${result.records} of ${records} records`)
    return result
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The child's part: add the zip to a store at `db`, timed, with RSS sampled. */
async function ingestChild (zip: string, db: string): Promise<IngestBenchResult> {
  const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (obj: object, msg: string) => { process.stderr.write(`${msg} ${JSON.stringify(obj)}\n`) } }
  const store = await ThreatFeedStore.open({ path: db, logger })
  let peak = process.memoryUsage.rss()
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()) }, RSS_SAMPLE_MS)
  try {
    // The baseline first: it warms the file cache for the timed ingest too, so neither reads from disk.
    const parseStarted = performance.now()
    let parsed = 0
    for await (const item of zipJsonEntries(zip, zip)) {
      if (!('data' in item)) continue
      if (osvItem(JSON.parse(item.data.toString('utf8')), item.name).type === 'entry') parsed++
    }
    const parseSeconds = (performance.now() - parseStarted) / 1000
    const started = performance.now()
    const info = await store.add({ source: zip, name: 'bench' })
    const seconds = (performance.now() - started) / 1000
    peak = Math.max(peak, process.memoryUsage.rss())
    if (info.skipped > 0) throw new Error(`${info.skipped} synthetic records were skipped`)
    const parseRecordsPerSecond = Math.round(parsed / parseSeconds)
    const recordsPerSecond = Math.round(info.records / seconds)
    return { records: info.records, seconds: round(seconds, 2), recordsPerSecond, peakRssMB: round(peak / MiB, 1), parseRecordsPerSecond, ingestRatio: round(parseRecordsPerSecond / recordsPerSecond, 2) }
  } finally {
    clearInterval(sampler)
    await store.close()
  }
}

if (process.argv[1] != null && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = parseBenchArgs(process.argv.slice(2), { records: 50_000, seed: 1, zip: '', db: '' })
  const result = args.role === 'ingest' ? await ingestChild(args.zip, args.db) : await benchIngest({ records: args.records, seed: args.seed })
  process.stdout.write(JSON.stringify(result) + '\n')
}
