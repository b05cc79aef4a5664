/**
 * `shoal threat`: feeds (add, list, update, remove), scans of layers and
 * images, a blob's score and the quarantine. Through the running daemon
 * when there is one; otherwise on the data directory itself (`--data`), so
 * feeds can be loaded and images scanned before any daemon starts.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { ImageScan, LayerScan, QuarantineRecord, ThreatApi } from '../daemon/api.js'
import type { Finding } from '../threat/match.js'
import type { FeedInfo, FeedUpdateResult } from '../threat/feeds/store-types.js'
import { openLocalThreat } from '../threat/open.js'
import { COMMON_OPTIONS, COMMON_USAGE, parseCommand, write, writeJson, type CliContext } from './context.js'
import { UsageError } from './errors.js'
import { formatFields, formatTable } from './format.js'
import { defaultDataDir } from './paths.js'

export const THREAT_USAGE = `usage: shoal threat feeds add SOURCE [--kind osv|kev|malware|epss] [--name NAME]
       shoal threat feeds list|update [NAME]|remove NAME
       shoal threat scan IMAGE-REF|OCI-LAYOUT|LAYER.tar [--platform OS/ARCH]
       shoal threat score DIGEST
       shoal threat quarantine [list] | release DIGEST
       (all with [options])

Threat intelligence. Feeds are OSV records (a JSON file, a directory of
them, or an ecosystem's all.zip export), the CISA KEV catalog, malware hash
lists (MalwareBazaar CSV or plain sha256 lists) and EPSS scores, from a file,
a directory or an http(s) URL; \`update\` re-reads them and keeps only what
changed. \`scan\` lists each layer's vulnerable packages (installed version,
advisory, severity, fixed version, KEV) and files on a malware list, then the
image as a whole with whiteouts applied. \`score\` shows a stored blob's threat
score in [0, 1]. A blob holding known malware is quarantined: never served
nor announced; \`quarantine release\` lets one go (a false positive).

Runs through the daemon when one answers on --admin; else on --data itself.

  --kind KIND       the feed's kind, when the file does not make it plain
  --name NAME       the feed's name (default: from the source)
  --platform P      for a multi-platform image: os/arch[/variant] (default linux/amd64)
${COMMON_USAGE}`

const OPTIONS = {
  ...COMMON_OPTIONS,
  kind: { type: 'string' },
  name: { type: 'string' },
  platform: { type: 'string' }
} as const

type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>['values']

export async function threatCommand (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, OPTIONS, THREAT_USAGE)
  if (values.help === true) { await write(ctx.stdout, THREAT_USAGE + '\n'); return 0 }
  const [group, ...rest] = positionals
  switch (group) {
    case 'feeds': return await feeds(rest, values, ctx)
    case 'scan': return await scan(rest, values, ctx)
    case 'score': return await score(rest, values, ctx)
    case 'quarantine': return await quarantine(rest, values, ctx)
    case undefined: throw new UsageError('threat needs a subcommand: feeds, scan, score or quarantine', THREAT_USAGE)
    default: throw new UsageError(`unknown threat subcommand ${JSON.stringify(group)}; use feeds, scan, score or quarantine`, THREAT_USAGE)
  }
}

/** Run `fn` against the daemon, or, when none answers, against the data directory. */
async function withThreat<T> (values: Values, ctx: CliContext, fn: (api: ThreatApi) => Promise<T>): Promise<T> {
  const client = ctx.client(values)
  try {
    return await fn(client.threat)
  } catch (err) {
    if ((err as Error).name !== 'DaemonUnreachableError') throw err
  }
  const data = values.data ?? ctx.global.data ?? defaultDataDir(ctx.env)
  await write(ctx.stderr, `shoal: no daemon answers at ${client.target}; using ${data} directly\n`)
  const local = await openLocalThreat({ data, stderr: ctx.stderr })
  try {
    return await fn(local)
  } finally {
    await local.close()
  }
}

/** A path that exists is sent as an absolute path (the daemon has another working directory). */
function absoluteIfLocal (s: string): string {
  return /^https?:\/\//.test(s) || !existsSync(s) ? s : resolve(s)
}

async function feeds (args: string[], values: Values, ctx: CliContext): Promise<number> {
  const [sub, arg, ...extra] = args
  if (extra.length > 0) throw new UsageError(`too many arguments: ${extra.join(' ')}`, THREAT_USAGE)
  let result: unknown
  switch (sub) {
    case 'add':
      if (arg == null) throw new UsageError('threat feeds add needs a SOURCE: a file, a directory or an http(s) URL', THREAT_USAGE)
      result = await withThreat(values, ctx, async api => await api.addFeed({ source: absoluteIfLocal(arg), ...(values.kind != null ? { kind: values.kind } : {}), ...(values.name != null ? { name: values.name } : {}) }))
      break
    case 'list':
    case undefined:
      result = await withThreat(values, ctx, async api => await api.listFeeds())
      break
    case 'update':
      result = await withThreat(values, ctx, async api => await api.updateFeeds(arg != null ? { name: arg } : {}))
      break
    case 'remove':
      if (arg == null) throw new UsageError('threat feeds remove needs a feed NAME (see threat feeds list)', THREAT_USAGE)
      result = await withThreat(values, ctx, async api => await api.removeFeed(arg))
      break
    default:
      throw new UsageError(`unknown feeds subcommand ${JSON.stringify(sub)}; use add, list, update or remove`, THREAT_USAGE)
  }
  if (values.json === true) await writeJson(ctx.stdout, result)
  else await write(ctx.stdout, formatFeedResult(result))
  return 0
}

async function scan (args: string[], values: Values, ctx: CliContext): Promise<number> {
  const [target, ...extra] = args
  if (target == null || extra.length > 0) throw new UsageError('threat scan takes one IMAGE-REF, OCI layout directory or layer file', THREAT_USAGE)
  const result = await withThreat(values, ctx, async api => await api.scan(absoluteIfLocal(target), values.platform != null ? { platform: values.platform } : {}))
  if (values.json === true) await writeJson(ctx.stdout, result)
  else await write(ctx.stdout, formatScan(result))
  return result.image.malware.length > 0 ? 1 : 0
}

async function score (args: string[], values: Values, ctx: CliContext): Promise<number> {
  const [digest, ...extra] = args
  if (digest == null || extra.length > 0 || !/^sha256:[0-9a-f]{64}$/.test(digest)) throw new UsageError('threat score takes one blob digest: sha256:<64 hex>', THREAT_USAGE)
  const result = await withThreat(values, ctx, async api => await api.score(digest))
  if (values.json === true) { await writeJson(ctx.stdout, result ?? null); return result == null ? 1 : 0 }
  if (result == null) {
    await write(ctx.stdout, `${digest}: not scanned (not held here, and no scan kept)\n`)
    return 1
  }
  await write(ctx.stdout, formatFields([
    ['digest', digest],
    ['score', result.score.toFixed(3)],
    ['os', result.os?.ecosystem ?? result.os?.id ?? '-'],
    ['packages', String(result.packages)],
    ['findings', String(result.findings.length)],
    ['known exploited', String(result.findings.filter(f => f.kev).length)],
    ['malware', result.malware.length === 0 ? 'none' : result.malware.map(m => m.path === '' ? '(the blob)' : m.path).join(', ')],
    ['scanned', result.scannedAt],
    ...(result.notALayer != null ? [['note', result.notALayer] as [string, string]] : []),
    ...(result.error != null ? [['error', result.error] as [string, string]] : [])
  ]))
  return 0
}

async function quarantine (args: string[], values: Values, ctx: CliContext): Promise<number> {
  const [sub, digest, ...extra] = args
  if (extra.length > 0) throw new UsageError(`too many arguments: ${extra.join(' ')}`, THREAT_USAGE)
  if (sub === 'release') {
    if (digest == null) throw new UsageError('threat quarantine release needs a DIGEST', THREAT_USAGE)
    const released = await withThreat(values, ctx, async api => await api.release(digest))
    if (values.json === true) await writeJson(ctx.stdout, { released })
    else await write(ctx.stdout, released ? `${digest} released from quarantine\n` : `${digest} was not in quarantine\n`)
    return released ? 0 : 1
  }
  if (sub != null && sub !== 'list') throw new UsageError(`unknown quarantine subcommand ${JSON.stringify(sub)}; use list or release`, THREAT_USAGE)
  const records = await withThreat(values, ctx, async api => await api.quarantine())
  if (values.json === true) await writeJson(ctx.stdout, records)
  else await write(ctx.stdout, formatQuarantine(records))
  return 0
}

function formatQuarantine (records: QuarantineRecord[]): string {
  if (records.length === 0) return 'nothing in quarantine\n'
  return formatTable([{ header: 'DIGEST' }, { header: 'SINCE' }, { header: 'REASON' }], records.map(r => [r.digest, r.at, r.reason]))
}

function formatFindings (findings: Finding[]): string {
  const sorted = [...findings].sort((a, b) => b.severity - a.severity || a.package.localeCompare(b.package))
  return formatTable([
    { header: 'PACKAGE' }, { header: 'INSTALLED' }, { header: 'VULNERABILITY' }, { header: 'SEVERITY' }, { header: 'FIXED' }, { header: 'KEV' }
  ], sorted.map(f => [
    `${f.package} (${f.ecosystem})`, f.version, f.vulnerability,
    f.cvss != null ? `${f.cvss.toFixed(1)}${f.rating != null ? ' ' + f.rating.toLowerCase() : ''}` : (f.rating?.toLowerCase() ?? '-'),
    f.fixed ?? '-', f.kev ? 'yes' : '-'
  ]))
}

function formatLayer (i: number, l: LayerScan): string {
  const what = l.notALayer != null ? l.notALayer : `${l.os?.ecosystem ?? l.os?.id ?? 'no os-release'}, ${l.packages} packages, ${l.files} files`
  const lines = [`layer ${i + 1} ${l.digest ?? ''} (${what}): score ${l.score.toFixed(3)}, ${l.findings.length} findings${l.malware.length > 0 ? `, ${l.malware.length} MALWARE` : ''}`]
  if (l.error != null) lines.push(`  read error: ${l.error}`)
  for (const m of l.malware) lines.push(`  MALWARE ${m.path === '' ? '(the blob itself)' : m.path} sha256 ${m.sha256}${m.signature != null ? ` (${m.signature})` : ''}`)
  if (l.findings.length > 0) lines.push(formatFindings(l.findings).trimEnd())
  return lines.join('\n')
}

export function formatScan (s: ImageScan): string {
  const out = s.layers.map((l, i) => formatLayer(i, l))
  const img = s.image
  out.push(`image ${s.target}${s.digest != null ? ` (${s.digest})` : ''}: ${img.os?.prettyName ?? img.os?.ecosystem ?? 'unknown os'}; score ${img.score.toFixed(3)}; ` +
    `${img.findings.length} findings (${img.findings.filter(f => f.kev).length} known exploited) in the visible packages; ` +
    (img.malware.length > 0 ? `MALWARE: ${img.malware.map(m => m.path === '' ? '(a layer blob)' : m.path).join(', ')}` : 'no known malware'))
  return out.join('\n\n') + '\n'
}

function day (iso: string | undefined): string {
  return iso == null ? '-' : iso.slice(0, 16).replace('T', ' ')
}

function formatFeeds (feeds: FeedInfo[]): string {
  if (feeds.length === 0) return 'no feeds (add one with shoal threat feeds add SOURCE)\n'
  return formatTable([
    { header: 'NAME' }, { header: 'KIND' }, { header: 'RECORDS', align: 'right' }, { header: 'SKIPPED', align: 'right' },
    { header: 'FEED DATE' }, { header: 'UPDATED' }, { header: 'SOURCE' }
  ], feeds.map(f => [f.name, f.kind, String(f.records), String(f.skipped), day(f.date), day(f.updatedAt), f.source]))
}

type UpdateRow = Omit<FeedUpdateResult, 'error' | 'feed'> & { feed: FeedInfo, error?: string }

function formatFeedResult (result: unknown): string {
  if (Array.isArray(result) && result.length > 0 && typeof (result[0] as UpdateRow).status === 'string') {
    const rows = result as UpdateRow[]
    return formatTable([
      { header: 'NAME' }, { header: 'STATUS' }, { header: 'ADDED', align: 'right' }, { header: 'CHANGED', align: 'right' },
      { header: 'REMOVED', align: 'right' }, { header: 'UNCHANGED', align: 'right' }, { header: 'SKIPPED', align: 'right' }, { header: 'ERROR' }
    ], rows.map(r => [r.name, r.status, String(r.added), String(r.changed), String(r.removed), String(r.unchanged), String(r.skipped), r.error ?? '']))
  }
  if (Array.isArray(result)) return formatFeeds(result as FeedInfo[])
  if (typeof (result as { removed?: unknown }).removed === 'string') return `removed feed ${(result as { removed: string }).removed}\n`
  return formatFeeds([result as FeedInfo])
}
