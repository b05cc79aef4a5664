/** `shoal blobs`: the blobs whose shard index the daemon holds, and how much of each it has. */
import type { BlobRow } from '../daemon/api.js'
import { COMMON_OPTIONS, COMMON_USAGE, parseCommand, write, writeJson, type CliContext } from './context.js'
import { UsageError } from './errors.js'
import { formatBytes, formatTable } from './format.js'

export const BLOBS_USAGE = `usage: shoal blobs [options]

List the blobs the daemon has an index for: digest, size, shards held out of
the total, and whether it is complete (servable).

${COMMON_USAGE}`

export async function blobsCommand (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, COMMON_OPTIONS, BLOBS_USAGE)
  if (values.help === true) { await write(ctx.stdout, BLOBS_USAGE + '\n'); return 0 }
  if (positionals.length > 0) throw new UsageError(`blobs takes no arguments, got ${positionals.join(' ')}`, BLOBS_USAGE)
  const blobs = await ctx.client(values).blobs()
  if (values.json === true) await writeJson(ctx.stdout, blobs)
  else await write(ctx.stdout, blobs.length === 0 ? 'no blobs\n' : formatBlobs(blobs))
  return 0
}

export function formatBlobs (blobs: BlobRow[]): string {
  return formatTable([
    { header: 'DIGEST' }, { header: 'SIZE', align: 'right' }, { header: 'SHARDS', align: 'right' }, { header: 'COMPLETE' }
  ], blobs.map(b => [
    b.digest,
    formatBytes(b.sizeBytes),
    `${b.heldShards}/${b.shards}`,
    b.complete ? 'yes' : 'no'
  ]))
}
