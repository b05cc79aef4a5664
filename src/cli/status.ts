/** `shoal status`: what the daemon is, where it listens, and how full its store is. */
import type { DaemonStatus } from '../daemon/api.js'
import { COMMON_OPTIONS, COMMON_USAGE, parseCommand, write, writeJson, type CliContext } from './context.js'
import { UsageError } from './errors.js'
import { formatBytes, formatDuration, formatFields } from './format.js'

export const STATUS_USAGE = `usage: shoal status [options]

Show the daemon's peer id, region, listen addresses, connections, store use,
DHT announcements and shards served.

${COMMON_USAGE}`

export async function statusCommand (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, COMMON_OPTIONS, STATUS_USAGE)
  if (values.help === true) { await write(ctx.stdout, STATUS_USAGE + '\n'); return 0 }
  if (positionals.length > 0) throw new UsageError(`status takes no arguments, got ${positionals.join(' ')}`, STATUS_USAGE)
  const status = await ctx.client(values).status()
  if (values.json === true) await writeJson(ctx.stdout, status)
  else await write(ctx.stdout, formatStatus(status))
  return 0
}

export function formatStatus (s: DaemonStatus): string {
  const capacity = s.store.capacityBytes != null ? ` of ${formatBytes(s.store.capacityBytes)}` : ''
  const listen = s.listen.length > 0 ? s.listen : ['-']
  return formatFields([
    ['peer id', s.peerId],
    ['region', s.region],
    ...listen.map((a, i): [string, string] => [i === 0 ? 'listen' : '', a]),
    ['mirror', s.mirror ?? 'off'],
    ['connections', String(s.connections)],
    ['store', `${s.store.blobs} blobs, ${s.store.shards} shards, ${formatBytes(s.store.usedBytes)} used${capacity}`],
    ['announced', `${s.routing.provided} provided, ${s.routing.queued} queued, ${s.routing.failed} failed`],
    ['served', `${s.served.shards} shards, ${formatBytes(s.served.bytes)}, ${s.served.busy} refused busy`],
    ['uptime', formatDuration(s.uptimeMs)]
  ])
}
