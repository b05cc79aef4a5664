/**
 * `shoal index push REF` and `shoal index show REF`: the shard index of an
 * image as an OCI referrer artifact at its registry. Talks to the registry
 * directly (no daemon needed), with the daemon's credential options.
 */
import { loadConfig, parseSize } from '../daemon/config.js'
import { OriginClient } from '../registry/origin/index.js'
import { parseImageReference, refString } from '../registry/reference.js'
import { fetchShardIndexes, listShardArtifacts, pushShardIndexes, type PushedArtifact } from '../registry/referrers.js'
import { pino } from 'pino'
import { parseCommand, write, writeJson, type CliContext } from './context.js'
import { UsageError } from './errors.js'
import { formatBytes, formatTable } from './format.js'

export const INDEX_USAGE = `usage: shoal index push REF [options]
       shoal index show REF [options]

push: stream every layer of the image REF (HOST/NAME:TAG or HOST/NAME@DIGEST;
      for a multi-platform index, every platform) from its registry, compute
      the shard indexes, and push them as an OCI referrer artifact
      (artifactType application/vnd.shoal.shard-index.v1+json) through the
      Referrers API, or the sha256-<hex> referrers tag where the registry
      lacks it. Daemons pulling the image then trust these indexes.
show: print the artifact of REF and the shards of each layer.

  --avg-shard-size SIZE push: the chunker's average shard size, a power of two
                        (default 1MiB, as daemons cut); other sizes give other
                        shards, which daemons then fetch by these indexes
  --registry-auth FILE  docker config.json with "auths" per registry host
  --config FILE         a daemon config file (its "origins" and "auths")
  --json                print JSON instead of a table
  -h, --help            show this help`

const OPTIONS = {
  'avg-shard-size': { type: 'string' },
  'registry-auth': { type: 'string' },
  config: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const

export async function indexCommand (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, OPTIONS, INDEX_USAGE)
  if (values.help === true) { await write(ctx.stdout, INDEX_USAGE + '\n'); return 0 }
  const [sub, ref, ...extra] = positionals
  if (sub !== 'push' && sub !== 'show') throw new UsageError(sub == null ? 'index needs a subcommand: push or show' : `unknown index subcommand ${JSON.stringify(sub)}; use push or show`, INDEX_USAGE)
  if (ref == null || extra.length > 0) throw new UsageError(`index ${sub} takes one image reference, e.g. registry.example.com/team/app:v1`, INDEX_USAGE)
  let image
  try {
    image = parseImageReference(ref)
  } catch (err) {
    throw new UsageError((err as Error).message, INDEX_USAGE)
  }
  const config = await loadConfig([
    '--mirror', 'off',
    ...(values.config != null ? ['--config', values.config] : []),
    ...(values['registry-auth'] != null ? ['--registry-auth', values['registry-auth']] : [])
  ])
  if (config === 'help') return 0
  const origin = new OriginClient({ origins: config.origins, auths: config.auths }, { logger: pino({ level: 'silent' }) })
  try {
    if (sub === 'push') {
      const avg = values['avg-shard-size']
      const chunker = avg != null ? { avgBytes: parseSize(avg, '--avg-shard-size') } : undefined
      const pushed = await pushShardIndexes(origin, image.host, image.name, refString(image.reference), chunker != null ? { chunker } : {})
      if (values.json === true) await writeJson(ctx.stdout, pushed)
      else await write(ctx.stdout, formatPushed(`${image.host}/${image.name}`, pushed))
      return 0
    }
    return await show(origin, image.host, image.name, refString(image.reference), values.json === true, ctx)
  } finally {
    await origin.close()
  }
}

async function show (origin: OriginClient, host: string, name: string, ref: string, json: boolean, ctx: CliContext): Promise<number> {
  const top = await origin.getManifest(host, name, ref)
  const doc = JSON.parse(Buffer.from(top.bytes).toString('utf8')) as { manifests?: Array<{ digest: string, mediaType: string, platform?: { os?: string, architecture?: string } }> }
  const subjects = Array.isArray(doc.manifests)
    ? doc.manifests.map(m => ({ digest: m.digest, platform: m.platform != null ? `${m.platform.os ?? ''}/${m.platform.architecture ?? ''}` : undefined }))
    : [{ digest: top.digest, platform: undefined }]
  const out = []
  for (const s of subjects) {
    const listed = await listShardArtifacts(origin, host, name, s.digest)
    const found = listed != null ? await fetchShardIndexes(origin, host, name, s.digest) : undefined
    out.push({
      subject: s.digest,
      ...(s.platform != null ? { platform: s.platform } : {}),
      artifact: found?.artifact ?? null,
      via: found?.via ?? null,
      layers: found != null ? [...found.indexes.values()].map(i => ({ blob: i.digest, sizeBytes: i.size, shards: i.shards.length, chunker: i.chunker, cids: i.shards.map(x => x.cid.toString()) })) : []
    })
  }
  if (json) {
    await writeJson(ctx.stdout, out)
  } else {
    const lines: string[] = []
    for (const o of out) {
      lines.push(`${host}/${name}@${o.subject}${o.platform != null ? ` (${o.platform})` : ''}: ${o.artifact != null ? `shard index artifact ${o.artifact} (via ${o.via === 'api' ? 'the Referrers API' : 'the referrers tag'})` : 'no shard index artifact'}`)
      if (o.layers.length > 0) {
        lines.push(formatTable([{ header: 'LAYER' }, { header: 'SIZE', align: 'right' }, { header: 'SHARDS', align: 'right' }, { header: 'FIRST SHARD' }],
          o.layers.map(l => [l.blob, formatBytes(l.sizeBytes), String(l.shards), l.cids[0] ?? '-'])).trimEnd())
      }
    }
    await write(ctx.stdout, lines.join('\n') + '\n')
  }
  return out.every(o => o.artifact != null) ? 0 : 1
}

function formatPushed (image: string, pushed: PushedArtifact[]): string {
  const lines: string[] = []
  for (const p of pushed) {
    lines.push(`${image}@${p.subject.digest}${p.platform != null ? ` (${p.platform})` : ''}: pushed ${p.artifact} (via ${p.via === 'api' ? 'the Referrers API' : 'the referrers tag'})`)
    lines.push(formatTable([{ header: 'LAYER' }, { header: 'SIZE', align: 'right' }, { header: 'SHARDS', align: 'right' }, { header: 'INDEX BLOB' }],
      p.layers.map(l => [l.blob, formatBytes(l.sizeBytes), String(l.shards), l.index])).trimEnd())
  }
  return lines.join('\n') + '\n'
}
