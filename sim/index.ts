/**
 * `npm run sim`: a small live swarm on this machine. Five real daemons on
 * loopback; one adds a generated 64 MiB layer; the other four fetch it at the
 * same time through the DHT and the shard exchange; a table shows where each
 * one's bytes came from, how long it took and at what rate.
 *
 *   npm run sim [-- --nodes 5] [--size-mib 64] [--json] [--keep]
 */
import { createHash } from 'node:crypto'
import { parseArgs } from 'node:util'
import { Cluster } from './cluster.js'
import { randomStream } from './random.js'

const USAGE = `usage: npm run sim -- [--nodes N] [--size-mib N] [--seed N] [--json] [--keep]

  --nodes N      daemons to start (default 5: one source, four fetchers)
  --size-mib N   size of the generated layer (default 64)
  --seed N       seed of the generated layer's bytes (default 1)
  --json         print one JSON object as the last line
  --keep         keep the daemons' data directories and logs`

async function main (): Promise<number> {
  let values
  try {
    ({ values } = parseArgs({ args: process.argv.slice(2), options: { nodes: { type: 'string' }, 'size-mib': { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' }, keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }))
  } catch (err) {
    process.stderr.write(`sim: ${(err as Error).message}\n${USAGE}\n`); return 2
  }
  if (values.help === true) { process.stdout.write(USAGE + '\n'); return 0 }
  const nodes = Number(values.nodes ?? 5)
  const sizeMiB = Number(values['size-mib'] ?? 64)
  const seed = Number(values.seed ?? 1)
  if (!Number.isInteger(nodes) || nodes < 2 || nodes > 32) { process.stderr.write('sim: --nodes must be an integer from 2 to 32\n'); return 2 }
  if (!(sizeMiB > 0 && sizeMiB <= 4096)) { process.stderr.write('sim: --size-mib must be in (0, 4096]\n'); return 2 }
  const sizeBytes = Math.floor(sizeMiB * 1024 * 1024)
  const say = (s: string): void => { if (values.json !== true) process.stdout.write(s + '\n') }

  const cluster = new Cluster({ logLevel: 'info' })
  try {
    say(`starting ${nodes} daemons on 127.0.0.1 ...`)
    const [source, ...fetchers] = await cluster.spawnMany(nodes, 'node')
    await cluster.connected(1)
    say(`adding a ${sizeMiB} MiB layer on ${source!.name} ...`)
    const added = await source!.admin.add(randomStream(sizeBytes, seed))
    say(`  ${added.digest} (${added.shards} shards)`)
    say(`fetching it on ${fetchers.length} daemons at once ...`)
    const results = await Promise.all(fetchers.map(async f => {
      const r = await f.admin.fetch(added.digest)
      const hash = createHash('sha256')
      for await (const buf of f.admin.read(added.digest)) hash.update(buf)
      const ok = 'sha256:' + hash.digest('hex') === added.digest
      return { node: f.name, ...r, verified: ok }
    }))
    const sourceStatus = await source!.admin.status()
    const rows = results.map(r => ({
      node: r.node,
      seconds: r.ms / 1000,
      MiBps: sizeBytes / (1024 * 1024) / (r.ms / 1000),
      fromSource: r.bytesByPeer[source!.status.peerId] ?? 0,
      fromPeers: r.bytesBySource.peer - (r.bytesByPeer[source!.status.peerId] ?? 0),
      fromOrigin: r.bytesBySource.origin,
      local: r.bytesBySource.local,
      hedged: r.hedged,
      retries: r.retries,
      verified: r.verified
    }))
    const summary = {
      nodes, sizeBytes, digest: added.digest, shards: added.shards,
      sourceServedBytes: sourceStatus.served.bytes,
      sourceBytesRatio: sourceStatus.served.bytes / sizeBytes,
      slowestSeconds: Math.max(...rows.map(r => r.seconds)),
      allVerified: rows.every(r => r.verified),
      fetchers: rows
    }
    if (values.json === true) {
      process.stdout.write(JSON.stringify(summary) + '\n')
    } else {
      const mib = (b: number): string => (b / 1024 / 1024).toFixed(1)
      const table = [['daemon', 'from source MiB', 'from other peers MiB', 'time s', 'MiB/s', 'hedged', 'retries', 'verified'],
        ...rows.map(r => [r.node, mib(r.fromSource), mib(r.fromPeers), r.seconds.toFixed(2), r.MiBps.toFixed(1), String(r.hedged), String(r.retries), r.verified ? 'yes' : 'NO'])]
      const widths = table[0]!.map((_c, i) => Math.max(...table.map(row => row[i]!.length)))
      say('')
      for (const row of table) say(row.map((c, i) => i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)).join('  '))
      say('')
      say(`the source served ${mib(summary.sourceServedBytes)} MiB for ${fetchers.length} copies of ${mib(sizeBytes)} MiB: ${summary.sourceBytesRatio.toFixed(2)}x the layer size`)
    }
    return summary.allVerified ? 0 : 1
  } finally {
    await cluster.teardown({ keep: values.keep === true })
  }
}

process.exitCode = await main()
