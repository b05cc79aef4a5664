/**
 * `shoal quorum`: the region seeds' replica quorum through the daemon's
 * admin API: its members and their progress, the committed replica targets,
 * and an operator's set or clear of one target.
 */
import { randomUUID } from 'node:crypto'
import type { TargetsAnswer } from '../daemon/api.js'
import type { QuorumStatus, TargetRow, WriteResult } from '../quorum/api.js'
import { MAX_REPLICAS, REASON_MAX_CHARS } from '../quorum/targets/constants.js'
import { COMMON_OPTIONS, COMMON_USAGE, parseCommand, write, writeJson, type CliContext } from './context.js'
import { UsageError } from './errors.js'
import { formatFields, formatTable, shortPeerId } from './format.js'
import { formatTime } from './usage.js'

export const QUORUM_USAGE = `usage: shoal quorum status
       shoal quorum targets [--layer DIGEST] [--region REGION]
       shoal quorum set DIGEST REGION N [--reason TEXT]
       shoal quorum clear DIGEST REGION
       (all with [options])

The region seeds (the peers file's seeds, named by peer id) agree through
Raft on how many replicas of each layer each region keeps. \`status\` shows
this daemon's view: members, leader, term, commit and applied index, and on
the leader how far each follower lags. \`targets\` lists the committed
targets (read through the leader; when no seed answers, the table this
daemon last heard on gossip, said so on stderr). \`set\` pins a layer's
replica count in a region (0 to ${MAX_REPLICAS}), \`clear\` returns it to the
default policy; both return once the quorum has committed the write.

  --layer DIGEST    only this layer
  --region REGION   only this region
  --reason TEXT     why, kept with the target (default "operator override")
${COMMON_USAGE}`

const OPTIONS = {
  ...COMMON_OPTIONS,
  layer: { type: 'string' },
  region: { type: 'string' },
  reason: { type: 'string' }
} as const

type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>['values']

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/

export async function quorumCommand (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, OPTIONS, QUORUM_USAGE)
  if (values.help === true) { await write(ctx.stdout, QUORUM_USAGE + '\n'); return 0 }
  const [sub, ...rest] = positionals
  const only = (allowed: Array<'layer' | 'region' | 'reason'>): void => {
    for (const k of ['layer', 'region', 'reason'] as const) {
      if (values[k] != null && !allowed.includes(k)) throw new UsageError(`quorum ${sub ?? ''} does not take --${k}`, QUORUM_USAGE)
    }
  }
  switch (sub) {
    case 'status':
      only([])
      if (rest.length > 0) throw new UsageError(`quorum status takes no arguments, got ${rest.join(' ')}`, QUORUM_USAGE)
      return await status(values, ctx)
    case 'targets':
      only(['layer', 'region'])
      if (rest.length > 0) throw new UsageError(`quorum targets takes no arguments (filter with --layer and --region), got ${rest.join(' ')}`, QUORUM_USAGE)
      return await targets(values, ctx)
    case 'set':
      only(['reason'])
      return await set(rest, values, ctx)
    case 'clear':
      only([])
      return await clear(rest, values, ctx)
    case undefined: throw new UsageError('quorum needs a subcommand: status, targets, set or clear', QUORUM_USAGE)
    default: throw new UsageError(`unknown quorum subcommand ${JSON.stringify(sub)}; use status, targets, set or clear`, QUORUM_USAGE)
  }
}

async function status (values: Values, ctx: CliContext): Promise<number> {
  const s = await ctx.client(values).quorum.status()
  if (values.json === true) await writeJson(ctx.stdout, s)
  else await write(ctx.stdout, formatQuorumStatus(s))
  return 0
}

async function targets (values: Values, ctx: CliContext): Promise<number> {
  if (values.layer != null) requireDigest(values.layer, '--layer')
  const answer = await ctx.client(values).quorum.targetsOrHeard({
    ...(values.layer != null ? { layer: values.layer } : {}),
    ...(values.region != null ? { region: values.region } : {})
  })
  if (answer.source === 'gossip') await write(ctx.stderr, staleNote(answer))
  if (values.json === true) await writeJson(ctx.stdout, answer)
  else await write(ctx.stdout, answer.targets.length === 0 ? 'no replica targets\n' : formatTargets(answer.targets))
  return 0
}

async function set (args: string[], values: Values, ctx: CliContext): Promise<number> {
  const [digest, region, n, ...extra] = args
  if (digest == null || region == null || n == null || extra.length > 0) throw new UsageError('quorum set takes DIGEST REGION N', QUORUM_USAGE)
  requireDigest(digest, 'DIGEST')
  const replicas = /^\d{1,7}$/.test(n) ? Number(n) : NaN
  if (!(replicas >= 0 && replicas <= MAX_REPLICAS)) throw new UsageError(`N must be a whole number from 0 to ${MAX_REPLICAS}, got ${JSON.stringify(n.slice(0, 20))}`, QUORUM_USAGE)
  if (values.reason != null && values.reason.length > REASON_MAX_CHARS) throw new UsageError(`--reason takes at most ${REASON_MAX_CHARS} characters`, QUORUM_USAGE)
  // One id for the request: the daemon applies a retried write at most once.
  const result = await ctx.client(values).quorum.set({ digest, region, replicas, reason: values.reason ?? 'operator override', requestId: randomUUID() })
  if (values.json === true) await writeJson(ctx.stdout, result)
  else await write(ctx.stdout, `${digest} in ${region}: ${replicas} replica${replicas === 1 ? '' : 's'} ${written(result)}\n`)
  return 0
}

async function clear (args: string[], values: Values, ctx: CliContext): Promise<number> {
  const [digest, region, ...extra] = args
  if (digest == null || region == null || extra.length > 0) throw new UsageError('quorum clear takes DIGEST REGION', QUORUM_USAGE)
  requireDigest(digest, 'DIGEST')
  const result = await ctx.client(values).quorum.clear({ digest, region, requestId: randomUUID() })
  if (values.json === true) await writeJson(ctx.stdout, result)
  else await write(ctx.stdout, `${digest} in ${region}: target cleared ${written(result)}\n`)
  return 0
}

function requireDigest (value: string, what: string): void {
  if (!DIGEST_RE.test(value)) throw new UsageError(`${what} must be a layer digest, sha256:<64 hex>; got ${JSON.stringify(value.slice(0, 80))}`, QUORUM_USAGE)
}

function written (r: WriteResult): string {
  return r.status === 'duplicate' ? `(already committed, log index ${r.index})` : `(committed at log index ${r.index})`
}

function staleNote (a: TargetsAnswer): string {
  const heard = a.heardIndex != null && a.heardIndex > 0
    ? `up to log index ${a.heardIndex}, last heard ${formatTime(a.heardAtMs ?? 0)}`
    : 'nothing heard yet'
  return `shoal: no seed answered (${a.unavailable ?? 'unavailable'}); these are the targets this daemon heard on gossip (${heard}), perhaps stale\n`
}

export function formatQuorumStatus (s: QuorumStatus): string {
  const fields: Array<[string, string]> = [
    ['id', s.id],
    ['role', `${s.role}${s.seed ? '' : ' (not a seed: it asks the seeds)'}`],
    ['leader', s.leader ?? 'none known'],
    ['term', String(s.term)],
    ['commit index', String(s.commitIndex)],
    ['applied index', String(s.appliedIndex)]
  ]
  const members = formatTable([
    { header: 'MEMBER' }, { header: 'REGION' }, { header: 'ROLE' }, { header: 'CONNECTED' },
    { header: 'MATCH', align: 'right' }, { header: 'LAG', align: 'right' }
  ], s.members.map(m => [
    shortPeerId(m.id) + (m.id === s.id ? ' (self)' : ''),
    m.region ?? '-',
    m.id === s.leader ? 'leader' : 'follower',
    m.connected ? 'yes' : 'no',
    m.matchIndex != null ? String(m.matchIndex) : '-',
    m.lag != null ? String(m.lag) : '-'
  ]))
  // A follower knows no one's progress; a non-seed shows the status of the seed it asked, the leader's included.
  const note = s.members.some(m => m.lag != null) || s.members.length === 0 ? '' : '(match and lag are known on the leader: ask its daemon)\n'
  return formatFields(fields) + '\n' + members + note
}

export function formatTargets (rows: TargetRow[]): string {
  return formatTable([
    { header: 'LAYER' }, { header: 'REGION' }, { header: 'REPLICAS', align: 'right' }, { header: 'UPDATED' }, { header: 'REASON' }
  ], rows.map(r => [r.digest, r.region, String(r.replicas), formatTime(r.updatedAt), r.reason]))
}
