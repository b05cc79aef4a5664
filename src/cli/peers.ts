/** `shoal peers`: the peers this daemon is connected to or has exchanged shards with. */
import type { PeerRow } from '../daemon/api.js'
import { COMMON_OPTIONS, COMMON_USAGE, parseCommand, write, writeJson, type CliContext } from './context.js'
import { UsageError } from './errors.js'
import { formatBytes, formatTable, shortPeerId } from './format.js'

export const PEERS_USAGE = `usage: shoal peers [options]

List peers: id (shortened; --json has it whole), region, addresses, measured
round-trip time, bytes sent to and received from each.

${COMMON_USAGE}`

export async function peersCommand (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, COMMON_OPTIONS, PEERS_USAGE)
  if (values.help === true) { await write(ctx.stdout, PEERS_USAGE + '\n'); return 0 }
  if (positionals.length > 0) throw new UsageError(`peers takes no arguments, got ${positionals.join(' ')}`, PEERS_USAGE)
  const peers = await ctx.client(values).peers()
  if (values.json === true) await writeJson(ctx.stdout, peers)
  else await write(ctx.stdout, peers.length === 0 ? 'no peers\n' : formatPeers(peers))
  return 0
}

export function formatPeers (peers: PeerRow[]): string {
  return formatTable([
    { header: 'PEER' }, { header: 'REGION' }, { header: 'STATE' }, { header: 'RTT', align: 'right' },
    { header: 'SENT', align: 'right' }, { header: 'RECEIVED', align: 'right' }, { header: 'ADDRESSES' }
  ], peers.map(p => [
    shortPeerId(p.peerId),
    p.region ?? '-',
    p.connected ? 'connected' : 'seen',
    p.rttMs != null ? `${p.rttMs.toFixed(1)} ms` : '-',
    formatBytes(p.sentBytes),
    formatBytes(p.receivedBytes),
    p.addresses.length > 0 ? p.addresses.join(', ') : '-'
  ]))
}
