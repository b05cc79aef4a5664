import t from 'tap'
import { createHash } from 'node:crypto'
import { digestToCid } from '../../src/shard/cid.js'
import { createMemoryStore } from '../../src/store/index.js'
import { TestSwarm, corruptStore, fixedIndex, randomBytes, seed, slowStore, type TestNode } from '../utils/nodes.js'

const MiB = 1024 * 1024

async function readAll (n: TestNode, digest: string): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const b of n.store.readBlob(digest)) parts.push(b)
  return Buffer.concat(parts)
}

function sha (b: Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex')
}

t.test('fetches a blob from several holders, index from peers, every byte verified', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const a = await swarm.spawn('a')
  const c = await swarm.spawn('c')
  const d = await swarm.spawn('d')
  await swarm.connect()
  const bytes = randomBytes(8 * MiB, 11)
  const index = await seed(a.store, bytes, 512 * 1024)
  await seed(c.store, bytes, 512 * 1024)
  for (const n of [a, c]) { n.routing.provide(digestToCid(index.digest)) }

  const res = await d.fetcher.fetch(index.digest)
  t.equal(res.bytesBySource.peer, bytes.byteLength)
  t.ok(Object.keys(res.bytesByPeer).length === 2, 'both holders served part of it')
  t.equal(sha(await readAll(d, index.digest)), index.digest)
  t.ok(await d.store.hasBlob(index.digest))
})

t.test('a peer that serves corrupted bytes is detected, penalised and avoided; the fetch completes', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const honest = await swarm.spawn('honest', { store: slowStore(createMemoryStore(), 20) })
  const evil = await swarm.spawn('evil', { store: corruptStore(createMemoryStore()) })
  const d = await swarm.spawn('d')
  await swarm.connect()
  const bytes = randomBytes(4 * MiB, 12)
  const index = await seed(honest.store, bytes, 256 * 1024)
  await seed(evil.store, bytes, 256 * 1024)
  honest.routing.provide(digestToCid(index.digest))
  evil.routing.provide(digestToCid(index.digest))

  const res = await d.fetcher.fetch(index.digest, { index })
  t.equal(sha(await readAll(d, index.digest)), index.digest, 'the stored blob is correct')
  t.notOk(res.bytesByPeer[evil.node.peerId.toString()], 'nothing from the lying peer was kept')
  t.ok(d.stats.get(evil.node.peerId.toString()).penalty >= 1, 'the lying peer is penalised')
})

t.test('shards nobody holds come from the origin source, verified', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const bytes = randomBytes(3 * MiB + 5, 13)
  const { index } = fixedIndex(bytes, 512 * 1024)
  let originCalls = 0
  const d = await swarm.spawn('d', {
    fetcher: {
      origin: async ({ ref }) => { originCalls++; return bytes.subarray(ref.offset, ref.offset + ref.length) }
    }
  })
  const res = await d.fetcher.fetch(index.digest, { index })
  t.equal(res.bytesBySource.origin, bytes.byteLength)
  t.equal(originCalls, index.shards.length)
  t.equal(sha(await readAll(d, index.digest)), index.digest)
})

t.test('an origin that sends wrong bytes fails the fetch with a clear error', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const bytes = randomBytes(1 * MiB, 14)
  const { index } = fixedIndex(bytes, 512 * 1024)
  const d = await swarm.spawn('d', { fetcher: { origin: async () => new Uint8Array(512 * 1024) } })
  await t.rejects(d.fetcher.fetch(index.digest, { index }), { name: 'FetchFailedError', message: /do not match/ })
  t.notOk(await d.store.hasBlob(index.digest))
})

t.test('a provider that dies mid-fetch: the rest comes from another holder', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const a = await swarm.spawn('a', { store: slowStore(createMemoryStore(), 30) })
  const c = await swarm.spawn('c', { store: slowStore(createMemoryStore(), 30) })
  const d = await swarm.spawn('d')
  await swarm.connect()
  const bytes = randomBytes(8 * MiB, 15)
  const index = await seed(a.store, bytes, 256 * 1024)
  await seed(c.store, bytes, 256 * 1024)
  a.routing.provide(digestToCid(index.digest))
  c.routing.provide(digestToCid(index.digest))
  let stopped = false
  const res = await d.fetcher.fetch(index.digest, {
    index,
    onShard: () => {
      if (!stopped) { stopped = true; void c.node.stop() }
    }
  })
  t.ok(stopped)
  t.equal(sha(await readAll(d, index.digest)), index.digest)
  t.ok((res.bytesByPeer[a.node.peerId.toString()] ?? 0) > 0)
})

t.test('an index from a peer that does not match the digest is rejected and the peer penalised', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const honest = await swarm.spawn('honest')
  const liar = await swarm.spawn('liar')
  const d = await swarm.spawn('d')
  await swarm.connect()
  const bytes = randomBytes(2 * MiB, 16)
  const real = await seed(honest.store, bytes, 256 * 1024)
  // The liar claims the real digest for an index of other bytes, and holds those shards.
  const other = fixedIndex(randomBytes(2 * MiB, 17), 256 * 1024)
  for (const s of other.shards) await liar.store.put(s.cid, s.bytes)
  await liar.store.putIndex({ ...other.index, digest: real.digest })
  // The liar is announced first and looks fastest.
  liar.routing.provide(digestToCid(real.digest))
  honest.routing.provide(digestToCid(real.digest))
  d.stats.recordRtt(liar.node.peerId.toString(), 1)
  d.stats.recordRtt(honest.node.peerId.toString(), 40)

  await d.fetcher.fetch(real.digest)
  t.equal(sha(await readAll(d, real.digest)), real.digest)
  t.ok(d.stats.get(liar.node.peerId.toString()).penalty >= 1)
})
