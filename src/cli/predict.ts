/**
 * `shoal predict eval|gen-trace`: the prediction model offline. `eval`
 * replays a CSV trace through the cache simulator with the baseline
 * policies and shoal's own; `gen-trace` writes a synthetic trace with known
 * structure. Both run here, without a daemon.
 */
import { writeFile } from 'node:fs/promises'
import { evaluate, POLICY_NAMES, uniqueBytes, type EvaluationRow, type ManifestMode, type PolicyName } from '../predict/cache/index.js'
import { createShoalCachePolicy } from '../predict/model/index.js'
import { generateTrace, readTraceFile, writeTraceFile } from '../predict/trace/index.js'
import { parseCommand, write, writeJson, type CliContext } from './context.js'
import { UsageError } from './errors.js'
import { formatBytes, formatDuration, formatTable } from './format.js'

const ALL_POLICIES = [...POLICY_NAMES, 'shoal'] as const
const DEFAULT_FRACTIONS = [0.05, 0.1, 0.2]

export const PREDICT_USAGE = `usage: shoal predict eval --trace FILE.csv [options]
       shoal predict gen-trace --out FILE.csv [--seed N] [options]

eval: replay a trace through the cache simulator and compare policies.
  The CSV's header names at least ts_ms,client,blob,bytes (repo, region,
  method, kind optional; other columns ignored). One cache, sized as a
  fraction of the unique bytes of the trace's blobs; the first 20% of the
  trace's time trains but is not counted. Baselines LRU, LFU, ARC, GDSF, and
  Belady's MIN reading the future, blind to size (belady) and weighing it
  (belady-size, the reference for hit ratio); with manifests in the trace,
  each baseline also runs with the manifest -> layers prefetcher
  (<policy>+manifest); shoal prefetches and evicts on its rules and
  forecasts, learned from the past only.

  --trace FILE            the trace (CSV)
  --cache-fraction LIST   cache sizes, e.g. 0.05,0.1,0.2 (default)
  --policies LIST         of ${ALL_POLICIES.join(',')} (default all)
  --manifests MODE        signal (default: manifests only inform prefetchers,
                          neither cached nor counted) or cache
  --warmup FRACTION       share of the time span not counted (default 0.2)

gen-trace: write a synthetic trace calibrated on the Docker Hub catalog
  (shared layers, skewed popularity, manifests before layers, a daily cycle,
  image versions rolled out region after region).

  --out FILE              where to write the CSV
  --seed N                same seed, same trace (default 1)
  --days D                length (default 7)
  --rows N                about this many rows (default: the generator's rate)
  --regions N             regions (default 3)
  --hosts N               hosts per region (default 40)
  --catalog FILE          the catalog JSON (default: the shared data's, else a
                          synthetic one with the published statistics)
  --truth FILE            also write the planted structure as JSON

  --json                  print JSON (eval: its last line holds results[])
  -h, --help              show this help`

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  trace: { type: 'string' },
  'cache-fraction': { type: 'string' },
  policies: { type: 'string' },
  manifests: { type: 'string' },
  warmup: { type: 'string' },
  out: { type: 'string' },
  seed: { type: 'string' },
  days: { type: 'string' },
  rows: { type: 'string' },
  regions: { type: 'string' },
  hosts: { type: 'string' },
  catalog: { type: 'string' },
  truth: { type: 'string' }
} as const

type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>['values']

export async function predictCommand (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, OPTIONS, PREDICT_USAGE)
  if (values.help === true) { await write(ctx.stdout, PREDICT_USAGE + '\n'); return 0 }
  const [sub, ...extra] = positionals
  if (extra.length > 0) throw new UsageError(`predict ${sub ?? ''} takes no arguments, got ${extra.join(' ')}`, PREDICT_USAGE)
  if (sub === 'eval') return await evalCommand(values, ctx)
  if (sub === 'gen-trace') return await genTraceCommand(values, ctx)
  throw new UsageError(sub == null ? 'predict needs a subcommand: eval or gen-trace' : `unknown predict subcommand ${JSON.stringify(sub)}; there are: eval, gen-trace`, PREDICT_USAGE)
}

function only (values: Values, sub: string, allowed: readonly string[]): void {
  for (const key of Object.keys(values)) {
    if (!allowed.includes(key) && key !== 'json' && key !== 'help') throw new UsageError(`predict ${sub} does not take --${key}`, PREDICT_USAGE)
  }
}

function parseNumber (flag: string, value: string, ok: (n: number) => boolean, what: string): number {
  const n = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN
  if (!ok(n)) throw new UsageError(`--${flag} must be ${what}, got ${JSON.stringify(value.slice(0, 40))}`, PREDICT_USAGE)
  return n
}

const wholeAtLeast = (min: number, max = Number.MAX_SAFE_INTEGER) => (n: number): boolean => Number.isSafeInteger(n) && n >= min && n <= max

export function parseFractions (value: string): number[] {
  const parts = value.split(',').map(s => s.trim())
  return parts.map(p => parseNumber('cache-fraction', p, n => n > 0 && n <= 1, 'a list of fractions above 0 and at most 1, e.g. 0.05,0.1,0.2'))
}

export function parsePolicies (value: string): Array<PolicyName | 'shoal'> {
  const parts = [...new Set(value.split(',').map(s => s.trim().toLowerCase()))]
  for (const p of parts) {
    if (!(ALL_POLICIES as readonly string[]).includes(p)) throw new UsageError(`--policies: unknown policy ${JSON.stringify(p)}; there are: ${ALL_POLICIES.join(', ')}`, PREDICT_USAGE)
  }
  return parts as Array<PolicyName | 'shoal'>
}

async function evalCommand (values: Values, ctx: CliContext): Promise<number> {
  only(values, 'eval', ['trace', 'cache-fraction', 'policies', 'manifests', 'warmup'])
  if (values.trace == null) throw new UsageError('predict eval needs --trace FILE.csv', PREDICT_USAGE)
  const fractions = values['cache-fraction'] != null ? parseFractions(values['cache-fraction']) : DEFAULT_FRACTIONS
  const chosen = values.policies != null ? parsePolicies(values.policies) : [...ALL_POLICIES]
  const manifests = (values.manifests ?? 'signal') as ManifestMode
  if (manifests !== 'signal' && manifests !== 'cache') throw new UsageError(`--manifests must be signal or cache, got ${JSON.stringify(values.manifests)}`, PREDICT_USAGE)
  const warmupFraction = values.warmup != null ? parseNumber('warmup', values.warmup, n => n >= 0 && n < 1, 'a fraction from 0 to below 1') : undefined

  const started = Date.now()
  const trace = await readTraceFile(values.trace)
  const blobs = manifests === 'signal' ? trace.requests.filter(r => r.kind !== 'manifest') : trace.requests
  const summary = {
    file: values.trace,
    rows: trace.rows,
    requests: trace.requests.length,
    manifests: trace.requests.length - blobs.length,
    skipped: trace.skipped,
    headRows: trace.headRows,
    distinctBlobs: new Set(blobs.map(r => r.blob)).size,
    uniqueBytes: uniqueBytes(blobs),
    spanMs: trace.requests.length > 0 ? trace.requests[trace.requests.length - 1]!.tsMs - trace.requests[0]!.tsMs : 0
  }
  if (trace.skipped > 0) {
    const first = trace.errors[0]
    await write(ctx.stderr, `shoal: ${trace.skipped} malformed rows left out${first != null ? ` (line ${first.line}: ${first.reason})` : ''}\n`)
  }
  const policies = chosen.filter((p): p is PolicyName => p !== 'shoal')
  const rows = await evaluate(trace.requests, {
    fractions,
    policies,
    manifests,
    ...(warmupFraction !== undefined ? { warmupFraction } : {}),
    extra: chosen.includes('shoal')
      ? [{ name: 'shoal', make: (capacityBytes: number) => { const p = createShoalCachePolicy(capacityBytes); return { policy: p, prefetcher: p } } }]
      : []
  })
  const results = rows.map(resultRow)
  if (values.json === true) {
    // One line, so the last line of the output is the whole result.
    await write(ctx.stdout, JSON.stringify({ trace: summary, elapsedMs: Date.now() - started, results }) + '\n')
  } else {
    await write(ctx.stdout, `${summary.file}: ${summary.requests} requests (${summary.manifests} manifests), ${summary.distinctBlobs} blobs, ${formatBytes(summary.uniqueBytes)} unique, over ${formatDuration(summary.spanMs)}\n\n`)
    await write(ctx.stdout, formatResults(results) + `\n${rows.length} runs in ${formatDuration(Date.now() - started)}\n`)
  }
  return 0
}

export interface ResultRow {
  policy: string
  cacheFraction: number
  capacityBytes: number
  requests: number
  hitRatio: number
  byteHitRatio: number
  precision: number | null
  coverage: number | null
  prefetched: number
  prefetchedBytes: number
  wastedBytes: number
  originBytes: number
  evictions: number
}

function resultRow (r: EvaluationRow): ResultRow {
  return {
    policy: r.policy,
    cacheFraction: r.cacheFraction,
    capacityBytes: r.capacityBytes,
    requests: r.requests,
    hitRatio: r.hitRatio,
    byteHitRatio: r.byteHitRatio,
    precision: r.precision,
    coverage: r.coverage,
    prefetched: r.prefetched,
    prefetchedBytes: r.prefetchedBytes,
    wastedBytes: r.wastedBytes,
    originBytes: r.originBytes,
    evictions: r.evictions
  }
}

const ratio = (x: number | null): string => x == null ? '-' : x.toFixed(3)

export function formatResults (results: ResultRow[]): string {
  return formatTable([
    { header: 'CACHE' }, { header: 'POLICY' }, { header: 'HIT', align: 'right' }, { header: 'BYTE HIT', align: 'right' },
    { header: 'PRECISION', align: 'right' }, { header: 'COVERAGE', align: 'right' }, { header: 'PREFETCHED', align: 'right' },
    { header: 'WASTED', align: 'right' }, { header: 'ORIGIN', align: 'right' }
  ], results.map(r => [
    `${Math.round(r.cacheFraction * 1000) / 10}% (${formatBytes(r.capacityBytes)})`,
    r.policy,
    ratio(r.hitRatio),
    ratio(r.byteHitRatio),
    ratio(r.precision),
    ratio(r.coverage),
    r.prefetched > 0 ? `${r.prefetched} (${formatBytes(r.prefetchedBytes)})` : '-',
    r.prefetched > 0 ? formatBytes(r.wastedBytes) : '-',
    formatBytes(r.originBytes)
  ]))
}

async function genTraceCommand (values: Values, ctx: CliContext): Promise<number> {
  only(values, 'gen-trace', ['out', 'seed', 'days', 'rows', 'regions', 'hosts', 'catalog', 'truth'])
  if (values.out == null) throw new UsageError('predict gen-trace needs --out FILE.csv', PREDICT_USAGE)
  const seed = values.seed != null ? parseNumber('seed', values.seed, wholeAtLeast(0, 2 ** 32 - 1), 'a whole number from 0 to 4294967295') : 1
  const days = values.days != null ? parseNumber('days', values.days, n => n > 0 && n <= 90, 'a number of days above 0 and at most 90') : undefined
  const rows = values.rows != null ? parseNumber('rows', values.rows, wholeAtLeast(100, 10_000_000), 'a whole number from 100 to 10000000') : undefined
  const regions = values.regions != null ? parseNumber('regions', values.regions, wholeAtLeast(1, 16), 'a whole number from 1 to 16') : undefined
  const hosts = values.hosts != null ? parseNumber('hosts', values.hosts, wholeAtLeast(1, 10_000), 'a whole number from 1 to 10000') : undefined
  const generated = await generateTrace({
    seed,
    ...(days !== undefined ? { durationMs: days * 86_400_000 } : {}),
    ...(rows !== undefined ? { targetRows: rows } : {}),
    ...(regions !== undefined ? { regions } : {}),
    ...(hosts !== undefined ? { hostsPerRegion: hosts } : {}),
    ...(values.catalog != null ? { catalogPath: values.catalog } : {})
  })
  await writeTraceFile(values.out, generated.requests)
  if (values.truth != null) await writeFile(values.truth, JSON.stringify(generated.truth, null, 2) + '\n')
  if (values.json === true) {
    await writeJson(ctx.stdout, { out: values.out, seed, stats: generated.stats })
  } else {
    const s = generated.stats
    await write(ctx.stdout, `wrote ${values.out}: ${s.rows} rows (${s.manifestRows} manifests, ${s.blobRows} blobs), ${s.clients} clients, ${s.distinctBlobs} distinct blobs, ${formatBytes(s.uniqueBytes)} unique; catalog ${s.catalog.source}${s.catalog.synthetic ? ' (synthetic)' : ''}\n` +
      `top 10% of layers get ${(s.topLayerShare * 100).toFixed(0)}% of layer requests; median layer reuse ${s.medianReuseMs != null ? formatDuration(s.medianReuseMs) : '-'}\n`)
  }
  return 0
}
