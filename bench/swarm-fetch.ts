/**
 * bench:swarm-fetch: one source daemon and four fetchers, all real processes
 * on loopback; the source adds a 256 MiB layer and the four fetch it at the
 * same time. Fetchers announce each shard as it lands and serve each other,
 * so the source should serve far fewer than four copies.
 *
 * Figures: sourceBytesRatio (bytes the source served / layer size; target
 * <= 1.5), seconds (until the last fetcher is done), peakRssMB (largest
 * daemon's peak resident set; target <= 200). Baseline in the same run: the
 * time for one fetcher alone to fetch a layer of the same size from the
 * source, so `seconds` reads as a ratio too.
 *
 *   npm run bench:swarm-fetch [-- --size-mib 256] [--fetchers 4] [--json]
 */
import { readFile } from 'node:fs/promises'
import { Cluster, type NodeHandle } from '../sim/cluster.js'
import { randomStream } from '../sim/random.js'
import { parseBenchArgs, report } from './util.js'

const MiB = 1024 * 1024
const args = parseBenchArgs(process.argv.slice(2), { 'size-mib': 256, fetchers: 4 })

async function peakRssMB (n: NodeHandle): Promise<number> {
  try {
    const status = await readFile(`/proc/${n.process.pid}/status`, 'utf8')
    const m = /VmHWM:\s+(\d+) kB/.exec(status)
    return m != null ? Number(m[1]) / 1024 : NaN
  } catch {
    return NaN
  }
}

const sizeBytes = args['size-mib'] * MiB
const cluster = new Cluster({ logLevel: 'warn' })
try {
  const nodes = await cluster.spawnMany(args.fetchers + 2, 'node')
  const [source, solo, ...fetchers] = nodes as [NodeHandle, NodeHandle, ...NodeHandle[]]
  await cluster.connected(1)

  // Baseline: one fetcher alone, a different layer of the same size.
  const soloLayer = await source.admin.add(randomStream(sizeBytes, 7))
  const soloStarted = performance.now()
  await solo.admin.fetch(soloLayer.digest)
  const soloSeconds = (performance.now() - soloStarted) / 1000
  const servedBefore = (await source.admin.status()).served.bytes

  const layer = await source.admin.add(randomStream(sizeBytes, 1))
  const started = performance.now()
  const results = await Promise.all(fetchers.map(async f => f.admin.fetch(layer.digest)))
  const seconds = (performance.now() - started) / 1000
  const served = (await source.admin.status()).served.bytes - servedBefore
  const rss = await Promise.all([source, ...fetchers].map(peakRssMB))
  const sourceBytesRatio = served / sizeBytes
  const peak = Math.max(...rss)
  report(args.json, [
    ['source bytes served / layer size', sourceBytesRatio.toFixed(2), 'target <= 1.5'],
    [`${fetchers.length} fetchers at once, seconds`, seconds.toFixed(2), `one fetcher alone: ${soloSeconds.toFixed(2)} s`],
    ['peak RSS of the largest daemon, MB', peak.toFixed(0), `target <= 200 (source ${rss[0]!.toFixed(0)}, fetchers ${rss.slice(1).map(r => r.toFixed(0)).join(' ')})`],
    ...results.map((r, i) => [`  ${fetchers[i]!.name}: MiB from source / from peers`, `${((r.bytesByPeer[source.status.peerId] ?? 0) / MiB).toFixed(0)} / ${((r.bytesBySource.peer - (r.bytesByPeer[source.status.peerId] ?? 0)) / MiB).toFixed(0)}`, `${(r.ms / 1000).toFixed(2)} s`])
  ], {
    sourceBytesRatio: Math.round(sourceBytesRatio * 100) / 100,
    seconds: Math.round(seconds * 100) / 100,
    soloSeconds: Math.round(soloSeconds * 100) / 100,
    secondsRatio: Math.round(seconds / soloSeconds * 100) / 100,
    peakRssMB: Math.round(peak),
    sourceRssMB: Math.round(rss[0]!),
    sizeMiB: args['size-mib'],
    fetchers: fetchers.length
  })
} finally {
  await cluster.teardown()
}
