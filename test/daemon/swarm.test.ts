/**
 * Real daemons (separate processes) on 127.0.0.1, driven through their admin
 * API as a user would: five daemons, one adds a 64 MiB layer, four fetch it
 * through the DHT and the exchange and verify it; then a provider is killed
 * in the middle of a fetch and the fetch still completes.
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import { Cluster, type NodeHandle } from '../../sim/cluster.js'
import { randomStream } from '../../sim/random.js'

const MiB = 1024 * 1024

async function digestOf (n: NodeHandle, digest: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const buf of n.admin.read(digest)) hash.update(buf)
  return 'sha256:' + hash.digest('hex')
}

t.test('five daemons: one adds 64 MiB, four fetch it at once and verify', async t => {
  const cluster = new Cluster()
  t.teardown(async () => { await cluster.teardown() })
  const [source, ...fetchers] = await cluster.spawnMany(5, 'swarm')
  await cluster.connected(1)
  const added = await source!.admin.add(randomStream(64 * MiB, 42))
  t.ok(added.shards >= 32, `the layer is split into shards (${added.shards})`)
  const results = await Promise.all(fetchers.map(async f => f.admin.fetch(added.digest)))
  for (const [i, r] of results.entries()) {
    t.equal(r.bytesBySource.peer, 64 * MiB, `${fetchers[i]!.name} got every byte from peers`)
    t.equal(await digestOf(fetchers[i]!, added.digest), added.digest, `${fetchers[i]!.name} holds the verified layer`)
  }
  const served = (await source!.admin.status()).served.bytes
  t.ok(served < 4 * 64 * MiB, `fetchers served each other: the source sent ${(served / MiB).toFixed(0)} MiB for 4 copies`)
  const peers = await fetchers[0]!.admin.peers()
  t.ok(peers.some(p => p.receivedBytes > 0 && p.region === 'local'), 'shoal peers shows regions and traffic')
})

t.test('a provider killed mid-fetch: the fetch completes from the others', async t => {
  const cluster = new Cluster()
  t.teardown(async () => { await cluster.teardown() })
  const [a, b, c] = await cluster.spawnMany(3, 'kill')
  await cluster.connected(1)
  const added = await a!.admin.add(randomStream(48 * MiB, 43))
  await b!.admin.fetch(added.digest)
  const fetching = c!.admin.fetch(added.digest)
  // Kill one of the two holders as soon as c has some of the layer.
  while (true) {
    const blobs = await c!.admin.blobs()
    if ((blobs.find(x => x.digest === added.digest)?.heldShards ?? 0) > 2) break
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  cluster.kill(b!)
  const r = await fetching
  t.equal(r.sizeBytes, 48 * MiB)
  t.equal(await digestOf(c!, added.digest), added.digest, 'the layer is complete and verified')
})
