/**
 * `shoal priority`: the daemon's last scoring round through its admin API,
 * each layer's priority and the three scores behind it.
 */
import type { PriorityRound } from '../daemon/api.js'
import { PRIORITY_DEFAULT_TOP, PRIORITY_MAX_TOP } from '../predict/service/constants.js'
import { COMMON_OPTIONS, COMMON_USAGE, parseCommand, write, writeJson, type CliContext } from './context.js'
import { UsageError } from './errors.js'
import { formatTable } from './format.js'
import { formatTime } from './usage.js'

export const PRIORITY_USAGE = `usage: shoal priority [--region REGION] [--top N] [options]

The daemon's layer priorities from its last round (every 5 minutes by
default): priority = usage * w_usage + threat * w_threat + proximity * w_proximity.
USAGE is the predicted demand (requests in the next hour, all regions: this
daemon's forecasts and rules, and what its peers gossiped) on a log scale
against the round's most demanded layer; THREAT the scanner's score;
PROXIMITY how far that demand is from the nearest copy (0: every demanding
region holds one). CACHED IN lists the regions holding a copy.

  --region REGION   only layers with predicted demand in REGION
  --top N           the first N layers, 1 to ${PRIORITY_MAX_TOP} (default ${PRIORITY_DEFAULT_TOP})
${COMMON_USAGE}`

const OPTIONS = {
  ...COMMON_OPTIONS,
  region: { type: 'string' },
  top: { type: 'string' }
} as const

export async function priorityCommand (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, OPTIONS, PRIORITY_USAGE)
  if (values.help === true) { await write(ctx.stdout, PRIORITY_USAGE + '\n'); return 0 }
  if (positionals.length > 0) throw new UsageError(`priority takes no arguments, got ${positionals.join(' ')}`, PRIORITY_USAGE)
  let top: number | undefined
  if (values.top != null) {
    top = /^\d{1,7}$/.test(values.top) ? Number(values.top) : NaN
    if (!(top >= 1 && top <= PRIORITY_MAX_TOP)) throw new UsageError(`--top must be a whole number from 1 to ${PRIORITY_MAX_TOP}, got ${JSON.stringify(values.top.slice(0, 20))}`, PRIORITY_USAGE)
  }
  const round = await ctx.client(values).priority.round({ ...(values.region != null ? { region: values.region } : {}), ...(top != null ? { top } : {}) })
  if (values.json === true) await writeJson(ctx.stdout, round)
  else await write(ctx.stdout, formatPriority(round, values.region))
  return 0
}

export function formatPriority (round: PriorityRound, region?: string): string {
  if (round.computedAt == null) return `no priority round yet in ${round.region}: the first runs soon after the daemon starts\n`
  const w = round.weights
  const head = `${round.region}, round of ${formatTime(round.computedAt)}: ${round.scored} layer${round.scored === 1 ? '' : 's'} scored, ` +
    `${round.peers} peer${round.peers === 1 ? '' : 's'} heard; weights usage ${w.usage}, threat ${w.threat}, proximity ${w.proximity}\n`
  if (round.layers.length === 0) return head + `no layers with predicted demand${region != null ? ` in ${region}` : ''}\n`
  return head + formatTable([
    { header: 'LAYER' }, { header: 'PRIORITY', align: 'right' }, { header: 'USAGE', align: 'right' }, { header: 'THREAT', align: 'right' },
    { header: 'PROXIMITY', align: 'right' }, { header: 'DEMAND', align: 'right' }, { header: 'CACHED IN' }
  ], round.layers.map(l => [
    l.digest,
    l.priority.toFixed(3),
    l.usage.toFixed(2),
    l.threat.toFixed(2),
    l.proximity.toFixed(2),
    formatDemand(l.demand),
    l.cachedRegions.length > 0 ? l.cachedRegions.join(',') : '-'
  ]))
}

/** Requests expected: whole numbers when large, one decimal when small. */
function formatDemand (d: number): string {
  return d >= 100 ? String(Math.round(d)) : d.toFixed(1)
}
