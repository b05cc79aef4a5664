/**
 * bench:first-byte: how soon the mirror starts a blob that only a peer
 * holds. Daemon A adds a 256 MiB layer; daemon B's mirror is asked for it
 * (no origin) and streams it as shards arrive from A. Figures: firstByteMs
 * and lastByteMs of that request. Baseline in the same run: the same blob
 * read from A's own mirror (every shard local), so `lastByteRatio` reads
 * as the cost of assembling from a peer rather than reading from disk.
 *
 *   npm run bench:first-byte [-- --size-mib 256] [--json]
 */
import { Cluster } from '../sim/cluster.js'
import { randomStream } from '../sim/random.js'
import { parseBenchArgs, report } from './util.js'

const MiB = 1024 * 1024
const args = parseBenchArgs(process.argv.slice(2), { 'size-mib': 256 })

async function timedGet (url: string): Promise<{ firstByteMs: number, lastByteMs: number, bytes: number }> {
  const started = performance.now()
  const res = await fetch(url)
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`)
  let firstByteMs = NaN
  let bytes = 0
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    if (bytes === 0) firstByteMs = performance.now() - started
    bytes += chunk.byteLength
  }
  return { firstByteMs, lastByteMs: performance.now() - started, bytes }
}

const cluster = new Cluster({ logLevel: 'warn' })
try {
  const a = await cluster.spawn('a')
  const b = await cluster.spawn('b', { bootstrap: [a.addr] })
  await cluster.connected(1)
  const added = await a.admin.add(randomStream(args['size-mib'] * MiB, 5))
  const local = await timedGet(`${a.mirror}/v2/bench/layer/blobs/${added.digest}`)
  const fromPeer = await timedGet(`${b.mirror}/v2/bench/layer/blobs/${added.digest}`)
  if (fromPeer.bytes !== added.sizeBytes) throw new Error(`got ${fromPeer.bytes} bytes of ${added.sizeBytes}`)
  const mibps = (ms: number): string => (added.sizeBytes / MiB / (ms / 1000)).toFixed(0)
  report(args.json, [
    [`GET of a ${args['size-mib']} MiB blob a peer holds`, 'ms', ''],
    ['  first byte', fromPeer.firstByteMs.toFixed(0), ''],
    ['  last byte', fromPeer.lastByteMs.toFixed(0), `${mibps(fromPeer.lastByteMs)} MiB/s`],
    ['baseline: the same GET where every shard is local', local.lastByteMs.toFixed(0), `${mibps(local.lastByteMs)} MiB/s, first byte ${local.firstByteMs.toFixed(0)} ms`]
  ], {
    firstByteMs: Math.round(fromPeer.firstByteMs),
    lastByteMs: Math.round(fromPeer.lastByteMs),
    localFirstByteMs: Math.round(local.firstByteMs),
    localLastByteMs: Math.round(local.lastByteMs),
    lastByteRatio: Math.round(fromPeer.lastByteMs / local.lastByteMs * 100) / 100,
    sizeMiB: args['size-mib']
  })
} finally {
  await cluster.teardown()
}
