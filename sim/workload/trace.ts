/**
 * `trace FILE`: replay a recorded workload. The CSV's header names the
 * columns: `ts_ms`, `client`, `blob` and `bytes` are required, `repo` and
 * `region` optional, anything else ignored. Each row is one blob fetch: a
 * pull of that one layer of the image `<repo>:latest` (repo `trace/blobs`
 * when there is no repo column), at `ts_ms` less the trace's first
 * timestamp. A blob's size is the most bytes any row gives it, times
 * `scale`, at least `minLayerBytes`.
 *
 * Clients map onto hosts deterministically: a client with a region that
 * some host has goes to a host of that region, any other to any host; within
 * each pool, clients take hosts round-robin in the order they first appear
 * (after sorting by time). A row that cannot be read is counted and skipped
 * (the first few are described with their line); a missing required column
 * fails the whole trace.
 */
import { DEFAULT_MAX_UNIQUE_BYTES, DEFAULT_TAG, MAX_TRACE_CHARS, MAX_TRACE_ERRORS_KEPT, MAX_TRACE_ROWS, MIN_LAYER_BYTES } from './constants.js'
import { readCsv } from './csv.js'
import { TraceFormatError, WorkloadOptionError } from './errors.js'
import type { HostSpec, PlanImage, PlanPull, WorkloadPlan } from './index.js'
import { byRegion, checkHosts, checkSeed, isRepoName, layerSeed, plainHosts, separateSeeds, sortPulls, uniqueBytes } from './plan.js'
import { deriveSeed } from './prng.js'

export const TRACE_REQUIRED_COLUMNS = ['ts_ms', 'client', 'blob', 'bytes'] as const
export const TRACE_OPTIONAL_COLUMNS = ['repo', 'region'] as const
/** The image of rows without a repository. */
export const TRACE_DEFAULT_REPO = 'trace/blobs'

export interface TraceWorkloadOptions {
  hosts: readonly HostSpec[]
  /** Seeds the layers' bytes. @default 1 */
  seed?: number
  /** Factor on blob sizes. @default 1 */
  scale?: number
  /** @default MIN_LAYER_BYTES (4 KiB) */
  minLayerBytes?: number
  /** Bound on the bytes of the distinct blobs, after scaling. @default DEFAULT_MAX_UNIQUE_BYTES (256 MiB) */
  maxUniqueBytes?: number
}

interface Row { line: number, tsMs: number, client: string, blob: string, bytes: number, repo: string, region?: string }

export function traceWorkload (csvText: string, options: TraceWorkloadOptions): WorkloadPlan {
  const { hosts } = options
  const seed = options.seed ?? 1
  const scale = options.scale ?? 1
  const minLayerBytes = options.minLayerBytes ?? MIN_LAYER_BYTES
  const maxUniqueBytes = options.maxUniqueBytes ?? DEFAULT_MAX_UNIQUE_BYTES
  checkHosts(hosts)
  checkSeed(seed)
  if (!(Number.isFinite(scale) && scale > 0)) throw new WorkloadOptionError(`scale: ${scale} must be > 0`)
  if (!(Number.isSafeInteger(minLayerBytes) && minLayerBytes >= 1)) throw new WorkloadOptionError(`minLayerBytes: ${minLayerBytes} must be a whole number >= 1`)
  if (typeof csvText !== 'string') throw new TraceFormatError('trace: expected the CSV text')
  if (csvText.length > MAX_TRACE_CHARS) throw new TraceFormatError(`trace: ${csvText.length} characters is more than ${MAX_TRACE_CHARS}`)

  const { rows, skipped, errors, header } = readRows(csvText.replace(/^\uFEFF/, ''))
  if (rows.length === 0) throw new TraceFormatError(`trace: no usable rows (${skipped} malformed${errors[0] !== undefined ? `; line ${errors[0].line}: ${errors[0].reason}` : ''}); header: ${header.join(',')}`)
  rows.sort((a, b) => a.tsMs - b.tsMs || a.line - b.line)
  const t0 = rows[0]!.tsMs

  // Images: one per repository, its layers the blobs in the order first fetched.
  const sizes = new Map<string, number>()
  for (const r of rows) sizes.set(r.blob, Math.max(sizes.get(r.blob) ?? 0, r.bytes))
  const imageLayers = new Map<string, string[]>()
  for (const r of rows) {
    let layers = imageLayers.get(r.repo)
    if (layers === undefined) imageLayers.set(r.repo, layers = [])
    if (!layers.includes(r.blob)) layers.push(r.blob)
  }
  const images: PlanImage[] = [...imageLayers].map(([name, blobs]) => ({
    name,
    tag: DEFAULT_TAG,
    layers: blobs.map(id => ({ id, sizeBytes: Math.max(minLayerBytes, Math.round(sizes.get(id)! * scale)), seed: layerSeed(seed, id) }))
  }))
  separateSeeds(images)
  const bytes = uniqueBytes(images)
  if (bytes > maxUniqueBytes) throw new WorkloadOptionError(`the trace's distinct blobs come to ${bytes} bytes after scaling, more than maxUniqueBytes (${maxUniqueBytes}): lower scale (now ${scale}) or raise maxUniqueBytes`)

  const assign = clientHosts(rows, hosts)
  const pulls: PlanPull[] = rows.map(r => {
    const host = assign.hostOf.get(r.client)!
    return { atMs: r.tsMs - t0, host, hostName: hosts[host]!.name, region: hosts[host]!.region, image: `${r.repo}:${DEFAULT_TAG}`, layers: [r.blob] }
  })
  sortPulls(pulls)

  return {
    kind: 'trace',
    seed,
    durationMs: rows[rows.length - 1]!.tsMs - t0,
    hosts: plainHosts(hosts),
    images,
    pulls,
    uniqueBytes: bytes,
    pulledUniqueBytes: bytes,
    trace: {
      columns: header,
      rows: rows.length + skipped,
      skippedRows: skipped,
      errors,
      startTsMs: t0,
      scale,
      clients: assign.clients,
      clientsWithoutHostRegion: assign.outside
    }
  }
}

function readRows (text: string): { rows: Row[], skipped: number, errors: Array<{ line: number, reason: string }>, header: string[] } {
  const records = readCsv(text)
  const first = records.next()
  if (first.done === true) throw new TraceFormatError(`trace: empty; expected a header naming ${TRACE_REQUIRED_COLUMNS.join(',')}`)
  const header = first.value.fields.map(f => f.trim().toLowerCase())
  const index = new Map<string, number>()
  header.forEach((name, i) => {
    if ((TRACE_REQUIRED_COLUMNS as readonly string[]).includes(name) || (TRACE_OPTIONAL_COLUMNS as readonly string[]).includes(name)) {
      if (index.has(name)) throw new TraceFormatError(`trace: the header names column ${name} twice`)
      index.set(name, i)
    }
  })
  const missing = TRACE_REQUIRED_COLUMNS.filter(c => !index.has(c))
  if (missing.length > 0) {
    throw new TraceFormatError(`trace: missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: the header (line ${first.value.line}) has ${JSON.stringify(header.join(',').slice(0, 300))}; it must name ${TRACE_REQUIRED_COLUMNS.join(',')} (repo and region are optional)`)
  }
  const col = (name: string): number | undefined => index.get(name)
  const rows: Row[] = []
  const errors: Array<{ line: number, reason: string }> = []
  let skipped = 0
  const bad = (line: number, reason: string): void => {
    skipped++
    if (errors.length < MAX_TRACE_ERRORS_KEPT) errors.push({ line, reason })
  }
  const repoNames = new Map<string, string>()
  for (const rec of records) {
    if (rows.length + skipped >= MAX_TRACE_ROWS) throw new TraceFormatError(`trace: more than ${MAX_TRACE_ROWS} rows`)
    if (rec.unterminated === true) { bad(rec.line, 'a quoted field is never closed'); continue }
    const get = (name: string): string | undefined => {
      const i = col(name)
      return i === undefined ? undefined : rec.fields[i]?.trim()
    }
    const ts = get('ts_ms')
    const client = get('client')
    const blob = get('blob')
    const bytesText = get('bytes')
    const absent = TRACE_REQUIRED_COLUMNS.filter(c => { const v = get(c); return v === undefined || v === '' })
    if (absent.length > 0) { bad(rec.line, `no ${absent.join(', ')}`); continue }
    const tsMs = Number(ts)
    if (!Number.isFinite(tsMs)) { bad(rec.line, `ts_ms ${JSON.stringify(ts!.slice(0, 40))} is not a number`); continue }
    const bytes = Number(bytesText)
    if (!(Number.isSafeInteger(bytes) && bytes > 0)) { bad(rec.line, `bytes ${JSON.stringify(bytesText!.slice(0, 40))} is not a whole number > 0`); continue }
    const repoText = get('repo')
    const region = get('region')
    const row: Row = { line: rec.line, tsMs, client: client!, blob: blob!, bytes, repo: repoName(repoText === undefined || repoText === '' ? TRACE_DEFAULT_REPO : repoText, repoNames) }
    if (region !== undefined && region !== '') row.region = region
    rows.push(row)
  }
  return { rows, skipped, errors, header }
}

/** The trace's repository name if it is a valid one (lower-cased), else `trace/r-<hash>`. */
function repoName (raw: string, memo: Map<string, string>): string {
  let name = memo.get(raw)
  if (name === undefined) {
    const lower = raw.toLowerCase()
    name = isRepoName(lower) ? lower : `trace/r-${deriveSeed(0, raw).toString(16).padStart(8, '0')}`
    memo.set(raw, name)
  }
  return name
}

function clientHosts (rows: readonly Row[], hosts: readonly HostSpec[]): { hostOf: Map<string, number>, clients: number, outside: number } {
  const regions = byRegion(hosts)
  const all = hosts.map((_h, i) => i)
  const turn = new Map<string, number>()
  const hostOf = new Map<string, number>()
  let outside = 0
  for (const r of rows) {
    if (hostOf.has(r.client)) continue
    const inRegion = r.region !== undefined ? regions.get(r.region) : undefined
    if (inRegion === undefined) outside++
    const pool = inRegion ?? all
    const key = inRegion !== undefined ? `region:${r.region!}` : '*'
    const k = turn.get(key) ?? 0
    turn.set(key, k + 1)
    hostOf.set(r.client, pool[k % pool.length]!)
  }
  return { hostOf, clients: hostOf.size, outside }
}
