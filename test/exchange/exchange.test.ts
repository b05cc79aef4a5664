import t from 'tap'
import { pbStream } from '@libp2p/utils'
import { SHARD_PROTOCOL, HAVE_PROTOCOL } from '../../src/exchange/index.js'
import { ShardRequest, ShardResponse, HaveRequest, HaveResponse, Status } from '../../src/exchange/messages.js'
import { shardCid } from '../../src/shard/cid.js'
import { createMemoryStore } from '../../src/store/index.js'
import { TestSwarm, randomBytes, seed, slowStore } from '../utils/nodes.js'

t.test('shard, have and index requests between two real libp2p nodes', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const a = await swarm.spawn('a')
  const b = await swarm.spawn('b')
  await swarm.connect()
  const bytes = randomBytes(1024 * 1024 + 17, 3)
  const index = await seed(a.store, bytes, 256 * 1024)

  const got = await b.client.getShard(a.node.peerId, index.shards[1]!.cid, index.shards[1]!.length)
  t.same(Buffer.from(got.bytes), Buffer.from(bytes.subarray(256 * 1024, 512 * 1024)), 'shard bytes arrive intact')
  t.equal(b.traffic.peer(a.node.peerId.toString()).receivedBytes, 256 * 1024)

  const have = await b.client.getHave(a.node.peerId, index.digest)
  t.equal(have?.shards, 5)
  t.same([...have!.bitmap], [0b11111])

  const remoteIndex = await b.client.getIndex(a.node.peerId, index.digest)
  t.equal(remoteIndex?.digest, index.digest)
  t.equal(remoteIndex?.shards.length, 5)

  const missing = shardCid(new Uint8Array([1, 2, 3]))
  await t.rejects(b.client.getShard(a.node.peerId, missing, 3), { name: 'PeerStatusError', status: 'NOT_FOUND' })
  t.equal(await b.client.getHave(a.node.peerId, 'sha256:' + '0'.repeat(64)), undefined, 'no index: no have-map')
  t.equal(await b.client.getIndex(a.node.peerId, 'sha256:' + '0'.repeat(64)), undefined)
  await t.rejects(b.client.getShard(a.node.peerId, index.shards[0]!.cid, 12), { name: 'ShardMismatchError' }, 'a length that disagrees with the index is refused')
})

t.test('malformed and oversized requests get a clear answer and the server keeps serving', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const a = await swarm.spawn('a')
  const b = await swarm.spawn('b')
  await swarm.connect()
  const index = await seed(a.store, randomBytes(300_000, 4), 256 * 1024)

  // Not a CID.
  const s1 = await b.node.dialProtocol(a.node.peerId, SHARD_PROTOCOL)
  const pb1 = pbStream(s1)
  await pb1.write({ cid: new Uint8Array([0xff, 0xff, 0x01]) }, ShardRequest)
  const r1 = await pb1.read(ShardResponse)
  t.equal(r1.status, Status.BAD_REQUEST)
  t.match(r1.error, /not a CID/)

  // Not a digest.
  const s2 = await b.node.dialProtocol(a.node.peerId, HAVE_PROTOCOL)
  const pb2 = pbStream(s2)
  await pb2.write({ digest: 'md5:nope' }, HaveRequest)
  const r2 = await pb2.read(HaveResponse)
  t.equal(r2.status, Status.BAD_REQUEST)

  // A request far over the size limit: the server resets the stream.
  const s3 = await b.node.dialProtocol(a.node.peerId, SHARD_PROTOCOL)
  const pb3 = pbStream(s3)
  await pb3.write({ cid: new Uint8Array(64 * 1024) }, ShardRequest)
  await t.rejects(pb3.read(ShardResponse, { signal: AbortSignal.timeout(5000) }))

  const ok = await b.client.getShard(a.node.peerId, index.shards[0]!.cid, index.shards[0]!.length)
  t.equal(ok.bytes.byteLength, index.shards[0]!.length, 'still serving after bad requests')
  t.equal(a.server.served.badRequests, 1)
})

t.test('per-peer stream limit answers BUSY', async t => {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  // Reads take 300 ms, so all four requests are in flight at once.
  const store = slowStore(createMemoryStore(), 300)
  const a = await swarm.spawn('a', { store, server: { streamsPerPeer: 2 } })
  const b = await swarm.spawn('b')
  await swarm.connect()
  const index = await seed(a.store, randomBytes(4 * 1024 * 1024, 5), 1024 * 1024)
  const results = await Promise.allSettled(index.shards.map(async s => b.client.getShard(a.node.peerId, s.cid, s.length)))
  const busy = results.filter(r => r.status === 'rejected' && (r.reason as { status?: string }).status === 'BUSY')
  const ok = results.filter(r => r.status === 'fulfilled')
  t.ok(busy.length >= 1, `some requests are refused as BUSY (${busy.length})`)
  t.ok(ok.length >= 2, `requests within the limit succeed (${ok.length})`)
  t.equal(busy.length + ok.length, 4)
  t.equal(a.server.served.busy, busy.length)
})
