/** `shoal shards`: shards held locally, or the shards of one layer, and who provides them. */
import type { ShardRow } from '../daemon/api.js'
import { COMMON_OPTIONS, COMMON_USAGE, parseCommand, write, writeJson, type CliContext } from './context.js'
import { UsageError } from './errors.js'
import { formatBytes, formatTable, shortPeerId } from './format.js'

export const SHARDS_USAGE = `usage: shoal shards [--layer DIGEST] [--providers] [options]

List the shards held locally, or with --layer every shard of that layer in
order (held or not). --providers also asks the DHT who announces each shard
(slow: up to 256 lookups).

  --layer DIGEST  the shards of this blob (sha256:...)
  --providers     look up each shard's providers in the DHT
${COMMON_USAGE}`

const OPTIONS = {
  ...COMMON_OPTIONS,
  layer: { type: 'string' },
  providers: { type: 'boolean' }
} as const

export async function shardsCommand (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, OPTIONS, SHARDS_USAGE)
  if (values.help === true) { await write(ctx.stdout, SHARDS_USAGE + '\n'); return 0 }
  if (positionals.length > 0) throw new UsageError(`shards takes no arguments, got ${positionals.join(' ')}`, SHARDS_USAGE)
  const providers = values.providers === true
  const shards = await ctx.client(values).shards({ ...(values.layer != null ? { layer: values.layer } : {}), providers })
  if (values.json === true) await writeJson(ctx.stdout, shards)
  else await write(ctx.stdout, shards.length === 0 ? 'no shards\n' : formatShards(shards, { layer: values.layer != null, providers }))
  return 0
}

export function formatShards (shards: ShardRow[], show: { layer: boolean, providers: boolean }): string {
  return formatTable([
    ...(show.layer ? [{ header: '#', align: 'right' as const }] : []),
    { header: 'CID' },
    { header: 'SIZE', align: 'right' },
    { header: 'HELD' },
    ...(show.providers ? [{ header: 'PROVIDERS' }] : [])
  ], shards.map(s => [
    ...(show.layer ? [s.position != null ? String(s.position) : '-'] : []),
    s.cid,
    formatBytes(s.sizeBytes),
    s.held ? 'yes' : 'no',
    ...(show.providers ? [providersCell(s.providers)] : [])
  ]))
}

function providersCell (providers: string[] | undefined): string {
  if (providers == null || providers.length === 0) return '-'
  const shown = providers.slice(0, 3).map(shortPeerId).join(', ')
  return providers.length > 3 ? `${shown} (+${providers.length - 3})` : shown
}
