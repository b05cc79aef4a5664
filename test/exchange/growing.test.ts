/**
 * Following a blob while its source streams it from the origin: the
 * follower learns the shards as they are cut (partial-index requests held
 * open until a new one is stored), fetches each at once, and checks the
 * source's final index against what it listed and the blob against its
 * digest. The source here is a fake growing blob over a real store and real
 * libp2p nodes.
 */
import t, { type Test } from 'tap'
import { createHash } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import type { GrowingBlob } from '../../src/exchange/index.js'
import type { ShardRef } from '../../src/shard/types.js'
import type { ShardStore } from '../../src/store/index.js'
import { TestSwarm, fixedIndex, randomBytes, type TestNode } from '../utils/nodes.js'

const KiB = 1024

function sha (b: Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(b).digest('hex')
}

/** A blob that grows by one stored shard per `drip()`, and gets its index with `finish()`. */
class FakeGrowing implements GrowingBlob {
  readonly refs: ShardRef[] = []
  sizeBytes: number | undefined
  private wake: Array<() => void> = []
  constructor (private readonly store: ShardStore, private readonly shards: Array<{ cid: ShardRef['cid'], bytes: Uint8Array }>, private readonly index: ReturnType<typeof fixedIndex>['index'], sizeBytes?: number) {
    this.sizeBytes = sizeBytes ?? index.size
  }

  get left (): number { return this.shards.length - this.refs.length }

  async drip (): Promise<void> {
    const i = this.refs.length
    const s = this.shards[i]!
    await this.store.put(s.cid, s.bytes)
    this.refs.push(this.index.shards[i]!)
    this.notify()
  }

  async finish (): Promise<void> {
    await this.store.putIndex(this.index)
    this.notify()
  }

  async changed (ms: number): Promise<void> {
    await new Promise<void>(resolve => {
      const timer = setTimeout(resolve, ms)
      this.wake.push(() => { clearTimeout(timer); resolve() })
    })
  }

  private notify (): void {
    const w = this.wake
    this.wake = []
    for (const f of w) f()
  }
}

async function readAll (n: TestNode, digest: string): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const b of n.store.readBlob(digest)) parts.push(b)
  return Buffer.concat(parts)
}

async function setup (t: Test, size: number, shardBytes: number, seedN: number, opts: { declaredSize?: number } = {}): Promise<{ source: TestNode, follower: TestNode, growing: FakeGrowing, digest: string, bytes: Uint8Array, streaming: Map<string, GrowingBlob> }> {
  const swarm = new TestSwarm()
  t.teardown(async () => { await swarm.teardown() })
  const bytes = randomBytes(size, seedN)
  const { index, shards } = fixedIndex(bytes, shardBytes)
  const streaming = new Map<string, GrowingBlob>()
  const source = await swarm.spawn('source', { growing: digest => streaming.get(digest) })
  const follower = await swarm.spawn('follower')
  await swarm.connect()
  const growing = new FakeGrowing(source.store, shards, index, opts.declaredSize)
  streaming.set(index.digest, growing)
  return { source, follower, growing, digest: index.digest, bytes, streaming }
}

t.test('a follower fetches each shard as the source cuts it, and ends with the source\'s index and a checked blob', async t => {
  const { source, follower, growing, digest, bytes, streaming } = await setup(t, 2 * 1024 * KiB + 77, 128 * KiB, 31)
  const listed: number[] = []
  let storedWhileGrowing = 0
  // A growing index has no CID for have-maps to match, and the source holds what it listed.
  let haves = 0
  let lookups = 0
  const getHave = follower.client.getHave.bind(follower.client)
  follower.client.getHave = async (...args) => { haves++; return await getHave(...args) }
  const findProviders = follower.routing.findProviders.bind(follower.routing)
  follower.routing.findProviders = async (...args) => { lookups++; return await findProviders(...args) }
  const fetching = follower.fetcher.fetchGrowing(digest, source.node.peerId, {
    order: 'sequential',
    onRefs: refs => { listed.push(refs.length) },
    onShard: () => { if (growing.left > 0) storedWhileGrowing++ }
  })
  while (growing.left > 0) {
    await growing.drip()
    await new Promise(resolve => setTimeout(resolve, 40))
  }
  await growing.finish()
  streaming.delete(digest)
  const res = await fetching
  t.equal(res.sizeBytes, bytes.byteLength)
  t.equal(res.bytesBySource.peer, bytes.byteLength, 'every byte came from the source')
  t.ok(listed.length > 3, `the listing arrived in ${listed.length} parts, as the shards were cut`)
  t.ok(storedWhileGrowing > 3, `${storedWhileGrowing} shards were stored before the source had the whole blob`)
  t.ok(await follower.store.hasBlob(digest))
  t.equal(sha(await readAll(follower, digest)), digest)
  t.same((await follower.store.getIndex(digest))?.shards.length, growing.refs.length, 'the follower keeps the source\'s index')
  t.equal(haves, 0, 'no have-map was asked for')
  t.equal(lookups, 0, 'no DHT lookup was made')
})

t.test('a source that already has the whole blob answers with its index at once', async t => {
  const { source, follower, growing, digest, streaming } = await setup(t, 600 * KiB, 64 * KiB, 32)
  while (growing.left > 0) await growing.drip()
  await growing.finish()
  streaming.delete(digest)
  const parts: number[] = []
  await follower.fetcher.fetchGrowing(digest, source.node.peerId, { onRefs: refs => { parts.push(refs.length) } })
  t.same(parts, [growing.refs.length], 'one listing, of every shard')
  t.ok(await follower.store.hasBlob(digest))
})

t.test('a source whose final index disagrees with what it listed is penalised and the fetch fails', async t => {
  const { source, follower, growing, digest, bytes } = await setup(t, 512 * KiB, 64 * KiB, 33)
  let listed = 0
  const fetching = follower.fetcher.fetchGrowing(digest, source.node.peerId, { onRefs: refs => { listed += refs.length } })
  for (let i = 0; i < 3; i++) await growing.drip()
  while (listed < 3) await new Promise(resolve => setTimeout(resolve, 10))
  // The whole index it then gives cuts the same bytes differently.
  const other = fixedIndex(bytes, 128 * KiB)
  for (const s of other.shards) await source.store.put(s.cid, s.bytes)
  await source.store.putIndex(other.index)
  await t.rejects(fetching, { name: 'ProtocolError', message: /disagrees with the shards it listed/ })
  t.ok(follower.stats.get(source.node.peerId.toString()).penalty >= 1)
})

t.test('a source that lists more bytes than it declared fails the fetch with a clear error', async t => {
  const { source, follower, growing, digest } = await setup(t, 512 * KiB, 64 * KiB, 34, { declaredSize: 100 * KiB })
  const fetching = follower.fetcher.fetchGrowing(digest, source.node.peerId, {})
  await growing.drip()
  await growing.drip()
  await t.rejects(fetching, { name: 'ProtocolError', message: /listed 131072 bytes of shards .* declared as 102400 bytes/ })
})

t.test('a source that stops streaming (no job, no index) fails the fetch, naming the peer', async t => {
  const { source, follower, growing, digest, streaming } = await setup(t, 512 * KiB, 64 * KiB, 35)
  const fetching = follower.fetcher.fetchGrowing(digest, source.node.peerId, {})
  await growing.drip()
  streaming.delete(digest)
  await t.rejects(fetching, { name: 'FetchFailedError', message: new RegExp(`${source.node.peerId.toString()} no longer streams`) })
})

t.test('partial-index answers are checked: a bad digest is refused, an unknown blob is NOT_FOUND', async t => {
  const { source, follower } = await setup(t, 64 * KiB, 64 * KiB, 36)
  await t.rejects(follower.client.getIndexTail(source.node.peerId, 'sha256:nope', 0, 0), { name: 'PeerStatusError', message: /BAD_REQUEST/ })
  t.equal(await follower.client.getIndexTail(peerIdFromString(source.node.peerId.toString()), 'sha256:' + 'a'.repeat(64), 0, 0), undefined)
})
