/**
 * The ShardStore conformance suite (Spegel's storetest): every implementation
 * runs it through `conformance(t, name, factory)`. The factory builds a fresh,
 * empty, not yet started store; the suite starts and stops it.
 */
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { shardCid } from '../../src/shard/cid.js'
import { bitmapHas } from '../../src/store/index.js'
import { blobFromParts, collect, concat, makeBlob, randomBytes, recordingLogger } from './helpers.js'
import { simulate } from './simulation.js'
import type { Test } from 'tap'
import type { ShardStore, ShardStoreInit, StoreComponents, StoreEvents } from '../../src/store/index.js'

export type StoreFactory = (t: Test, init?: ShardStoreInit, components?: StoreComponents) => ShardStore | Promise<ShardStore>

export function conformance (t: Test, name: string, factory: StoreFactory): void {
  const open = async (t: Test, init: ShardStoreInit = {}, components: StoreComponents = {}): Promise<ShardStore> => {
    const store = await factory(t, init, components)
    await store.start()
    t.teardown(async () => { await store.stop() })
    return store
  }

  t.test(`${name}: lifecycle`, async t => {
    const store = await factory(t)
    const cid = shardCid(Buffer.from('x'))
    t.throws(() => store.hasSync(cid), { name: 'StoreClosedError' }, 'not usable before start')
    await t.rejects(store.get(cid), { name: 'StoreClosedError' })
    await Promise.all([store.start(), store.start()])
    await store.start()
    t.equal(await store.put(cid, Buffer.from('x')), true)
    await Promise.all([store.stop(), store.stop()])
    await store.stop()
    await t.rejects(store.put(cid, Buffer.from('x')), { name: 'StoreClosedError' })
    await store.start()
    t.equal(store.hasSync(cid), true, 'a restart keeps shards')
    t.same(store.stat(), { shards: 1, usedBytes: 1, capacityBytes: Infinity, blobs: 0 })
    await store.stop()
  })

  t.test(`${name}: stop waits for in-flight operations`, async t => {
    const store = await factory(t)
    const starting = store.start()
    await store.stop()
    await starting
    t.throws(() => store.stat() && store.hasSync(shardCid(Buffer.from('x'))), { name: 'StoreClosedError' }, 'a stop during start wins')
    await store.start()
    const shards = Array.from({ length: 5 }, (_, i) => randomBytes(1000, 100 + i))
    const puts = shards.map(async b => store.put(shardCid(b), b))
    await store.stop()
    t.same(await Promise.all(puts), [true, true, true, true, true])
    await store.start()
    t.equal(store.stat().shards, 5)
    await store.stop()
  })

  t.test(`${name}: put, get, has, delete`, async t => {
    const store = await open(t)
    const bytes = randomBytes(1000, 1)
    const cid = shardCid(bytes)
    t.equal(store.hasSync(cid), false)
    t.equal(await store.put(cid, bytes), true, 'first put stores')
    t.equal(await store.put(cid, bytes), false, 'second put is a no-op')
    t.equal(await store.has(cid), true)
    t.same(Buffer.from(await store.get(cid)), Buffer.from(bytes))
    t.same(store.stat(), { shards: 1, usedBytes: 1000, capacityBytes: Infinity, blobs: 0 })
    const info = store.shardInfo(cid)
    t.equal(info?.sizeBytes, 1000)
    t.ok(info !== undefined && info.lastAccessMs >= info.addedAtMs)
    t.same([...store.listShards()].map(s => s.cid.toString()), [cid.toString()])

    const stored = await store.get(cid)
    stored.fill(0)
    t.same(Buffer.from(await store.get(cid)), Buffer.from(bytes), 'changing returned bytes does not change the store')

    t.equal(await store.delete(cid), true)
    t.equal(await store.delete(cid), false)
    t.equal(store.hasSync(cid), false)
    t.equal(store.shardInfo(cid), undefined)
    await t.rejects(store.get(cid), { name: 'ShardNotFoundError', message: new RegExp(cid.toString()) })
    t.same(store.stat(), { shards: 0, usedBytes: 0, capacityBytes: Infinity, blobs: 0 })
  })

  t.test(`${name}: put verifies`, async t => {
    const store = await open(t)
    const bytes = randomBytes(100, 2)
    const cid = shardCid(bytes)
    const other = randomBytes(100, 3)
    await t.rejects(store.put(cid, other), { name: 'ShardVerificationError', message: new RegExp(cid.toString()) })
    const dagPb = CID.createV1(0x70, cid.multihash)
    await t.rejects(store.put(dagPb, bytes), { name: 'ShardVerificationError', message: /not a shard CID/ })
    const sha512ish = CID.createV1(0x55, Digest.create(0x13, new Uint8Array(64)))
    await t.rejects(store.put(sha512ish, bytes), { name: 'ShardVerificationError' })
    t.equal(store.hasSync(cid), false)
    t.equal(store.hasSync(dagPb), false)
    t.same(store.stat().shards, 0)
    const empty = new Uint8Array(0)
    t.equal(await store.put(shardCid(empty), empty), true, 'an empty shard is a shard')
    t.same(Buffer.from(await store.get(shardCid(empty))), Buffer.alloc(0))
  })

  t.test(`${name}: limits`, async t => {
    const store = await open(t, { capacityBytes: 100, maxShardBytes: 80 })
    const a = randomBytes(60, 4)
    const b = randomBytes(50, 5)
    const big = randomBytes(81, 6)
    await t.rejects(store.put(shardCid(big), big), { name: 'ShardTooLargeError' })
    t.equal(await store.put(shardCid(a), a), true)
    await t.rejects(store.put(shardCid(b), b), { name: 'StoreFullError', neededBytes: 50, usedBytes: 60, capacityBytes: 100 })
    t.equal(await store.put(shardCid(a), a), false, 'an already held shard is no error when full')
    t.same(store.stat(), { shards: 1, usedBytes: 60, capacityBytes: 100, blobs: 0 })
    await store.delete(shardCid(a))
    t.equal(await store.put(shardCid(b), b), true, 'fits after a delete')

    const unlimited = await open(t, { capacityBytes: 0 })
    t.equal(unlimited.stat().capacityBytes, Infinity, '0 means unlimited')
  })

  t.test(`${name}: concurrent puts`, async t => {
    const store = await open(t, { capacityBytes: 100 })
    const bytes = randomBytes(30, 7)
    const cid = shardCid(bytes)
    const added: string[] = []
    store.on('shard:added', e => added.push(e.cid.toString()))
    const results = await Promise.all(Array.from({ length: 10 }, async () => store.put(cid, bytes)))
    t.equal(results.filter(r => r).length, 1, 'exactly one put stores it')
    t.same(added, [cid.toString()], 'one event')
    t.same(store.stat(), { shards: 1, usedBytes: 30, capacityBytes: 100, blobs: 0 })

    const others = [8, 9, 10].map(seed => randomBytes(30, seed))
    const settled = await Promise.allSettled(others.map(async b => store.put(shardCid(b), b)))
    const failed = settled.filter(r => r.status === 'rejected')
    t.equal(failed.length, 1, 'concurrent puts cannot overshoot the capacity')
    t.equal((failed[0] as PromiseRejectedResult | undefined)?.reason?.name, 'StoreFullError')
    t.same(store.stat(), { shards: 3, usedBytes: 90, capacityBytes: 100, blobs: 0 })
  })

  t.test(`${name}: abort`, async t => {
    const store = await open(t)
    const bytes = randomBytes(10, 11)
    const cid = shardCid(bytes)
    await store.put(cid, bytes)
    await t.rejects(store.get(cid, { signal: AbortSignal.abort() }), { name: 'AbortError' })
    const other = randomBytes(10, 12)
    await t.rejects(store.put(shardCid(other), other, { signal: AbortSignal.abort() }), { name: 'AbortError' })
    t.equal(store.hasSync(shardCid(other)), false)
  })

  t.test(`${name}: events`, async t => {
    const logger = recordingLogger()
    const store = await open(t, {}, { logger })
    const seen: Array<[string, string, unknown]> = []
    const off = store.on('shard:added', e => seen.push(['added', e.cid.toString(), e.sizeBytes]))
    store.on('shard:removed', e => seen.push(['removed', e.cid.toString(), e.reason]))
    store.on('shard:added', () => { throw new Error('a bad listener') })
    const a = randomBytes(10, 13)
    await store.put(shardCid(a), a)
    await store.delete(shardCid(a))
    off()
    await store.put(shardCid(a), a)
    t.same(seen, [['added', shardCid(a).toString(), 10], ['removed', shardCid(a).toString(), 'deleted']])
    t.equal(logger.lines.filter(l => l.level === 'error').length, 2, 'a throwing listener is logged, not fatal')

    const blob = makeBlob([10, 10], 14)
    const indexEvents: Array<keyof StoreEvents> = []
    store.on('index:added', () => indexEvents.push('index:added'))
    store.on('index:removed', () => indexEvents.push('index:removed'))
    await store.putIndex(blob.index)
    await store.putIndex(blob.index)
    await store.deleteBlob(blob.index.digest)
    t.same(indexEvents, ['index:added', 'index:removed'])
  })

  t.test(`${name}: indexes and have-maps`, async t => {
    const store = await open(t)
    const blob = makeBlob([20, 20, 20, 20, 20, 20, 20, 20, 20, 7], 15)
    const { digest } = blob.index
    t.equal(await store.getIndex(digest), undefined)
    t.equal(await store.hasBlob(digest), false)
    await t.rejects(store.haveMap(digest), { name: 'BlobNotFoundError', message: new RegExp(digest) })
    await t.rejects(store.missingShards(digest), { name: 'BlobNotFoundError' })

    const indexCid = await store.putIndex(blob.index)
    t.ok((await store.putIndex(blob.index)).equals(indexCid), 'idempotent')
    t.equal(store.stat().blobs, 1)
    const got = await store.getIndex(digest)
    t.ok(got !== undefined)
    t.same(got?.shards.map(s => [s.cid.toString(), s.offset, s.length]), blob.index.shards.map(s => [s.cid.toString(), s.offset, s.length]))
    t.same({ ...got, shards: [] }, { ...blob.index, shards: [] })
    const byCid = await store.getIndexByCid(indexCid)
    t.equal(byCid?.digest, digest)
    t.equal(await store.getIndexByCid(shardCid(Buffer.from('nope'))), undefined)
    t.same((await collect(store.listIndexes())).map(e => [e.digest, e.indexCid.toString()]), [[digest, indexCid.toString()]])

    got?.shards.pop()
    t.equal((await store.getIndex(digest))?.shards.length, 10, 'a returned index is a copy')

    for (const i of [0, 3, 8, 9]) await store.put(blob.shards[i]!.cid, blob.shards[i]!.bytes)
    const have = await store.haveMap(digest)
    t.ok(have.indexCid.equals(indexCid))
    t.equal(have.shards, 10)
    t.same([...have.bitmap], [0b00001001, 0b00000011], 'LSB first')
    t.same(Array.from({ length: 10 }, (_, i) => bitmapHas(have.bitmap, i)), [true, false, false, true, false, false, false, false, true, true])
    t.same((await store.missingShards(digest)).map(r => r.offset), [20, 40, 80, 100, 120, 140])
    t.equal(await store.hasBlob(digest), false)

    const info = await collect(store.listBlobs())
    t.same(info.map(b => ({ ...b, indexCid: b.indexCid.toString() })), [{
      digest, indexCid: indexCid.toString(), sizeBytes: 187, shards: 10, heldShards: 4, heldBytes: 67, complete: false
    }])
    for (const s of blob.shards) await store.put(s.cid, s.bytes)
    t.equal(await store.hasBlob(digest), true)
    t.same(await store.missingShards(digest), [])
    t.same([...(await store.haveMap(digest)).bitmap], [0xff, 0x03], 'trailing bits are 0')

    await t.rejects(store.putIndex({ ...blob.index, size: 1 }), { name: 'InvalidIndexError' }, 'an inconsistent index is refused')
  })

  t.test(`${name}: readBlob`, async t => {
    const store = await open(t)
    const blob = makeBlob([100, 1, 50, 100, 49], 16)
    const { digest, size } = blob.index
    await t.rejects(collect(store.readBlob(digest)), { name: 'BlobNotFoundError' })
    await store.putIndex(blob.index)
    await store.put(blob.shards[0]!.cid, blob.shards[0]!.bytes)
    await t.rejects(collect(store.readBlob(digest)), { name: 'ShardNotFoundError', message: /incomplete: shard 1/ })
    t.same(Buffer.from(concat(await collect(store.readBlob(digest, { length: 100 })))), Buffer.from(blob.bytes.subarray(0, 100)),
      'a range of held shards reads from an incomplete blob')
    for (const s of blob.shards) await store.put(s.cid, s.bytes)

    const whole = await collect(store.readBlob(digest))
    t.equal(whole.length, 5, 'one piece per shard')
    t.same(Buffer.from(concat(whole)), Buffer.from(blob.bytes))

    const ranges: Array<[number, number]> = [[0, 0], [0, 1], [99, 2], [100, 1], [100, 2], [101, 50], [50, 200], [299, 1], [300, 0], [0, 300], [150, 150], [151, 149]]
    for (const [offset, length] of ranges) {
      const got = concat(await collect(store.readBlob(digest, { offset, length })))
      t.same(Buffer.from(got), Buffer.from(blob.bytes.subarray(offset, offset + length)), `range ${offset}+${length}`)
    }
    t.same(Buffer.from(concat(await collect(store.readBlob(digest, { offset: 250 })))), Buffer.from(blob.bytes.subarray(250)), 'offset to the end')
    t.equal(size, 300)
    for (const [offset, length] of [[-1, 1], [0, 301], [301, 0], [1.5, 1], [0, Number.NaN]] as const) {
      await t.rejects(collect(store.readBlob(digest, { offset, length })), { name: 'InvalidRangeError' }, `range ${offset}+${length}`)
    }
    const ac = new AbortController()
    const pieces: Uint8Array[] = []
    await t.rejects((async () => {
      for await (const piece of store.readBlob(digest, { signal: ac.signal })) {
        pieces.push(piece)
        ac.abort()
      }
    })(), { name: 'AbortError' })
    t.equal(pieces.length, 1, 'abort stops the stream')

    const empty = blobFromParts([])
    await store.putIndex(empty.index)
    t.same(await collect(store.readBlob(empty.index.digest)), [], 'an empty blob reads as nothing')
    t.equal(await store.hasBlob(empty.index.digest), true)
  })

  t.test(`${name}: deleteBlob keeps shared shards`, async t => {
    const store = await open(t)
    const shared = randomBytes(40, 17)
    const a = blobFromParts([randomBytes(30, 18), shared, randomBytes(30, 19), randomBytes(30, 18)])
    const b = blobFromParts([shared, randomBytes(25, 20)])
    for (const blob of [a, b]) {
      await store.putIndex(blob.index)
      for (const s of blob.shards) await store.put(s.cid, s.bytes)
    }
    t.same(store.stat(), { shards: 4, usedBytes: 30 + 40 + 30 + 25, capacityBytes: Infinity, blobs: 2 })
    const removed: string[] = []
    store.on('shard:removed', e => removed.push(`${e.reason} ${e.cid.toString()}`))
    t.equal(await store.deleteBlob(a.index.digest), true)
    t.equal(await store.deleteBlob(a.index.digest), false)
    t.equal(await store.getIndex(a.index.digest), undefined)
    t.equal(await store.hasBlob(b.index.digest), true, 'the other blob is whole')
    t.same(removed.sort(), [a.shards[0]!, a.shards[2]!].map(s => `blob-deleted ${s.cid.toString()}`).sort())
    t.same(store.stat(), { shards: 2, usedBytes: 65, capacityBytes: Infinity, blobs: 1 })
    t.equal(await store.deleteBlob(b.index.digest), true)
    t.same(store.stat(), { shards: 0, usedBytes: 0, capacityBytes: Infinity, blobs: 0 })
  })

  t.test(`${name}: a deleted shard leaves its index`, async t => {
    const store = await open(t)
    const blob = makeBlob([10, 10], 21)
    await store.putIndex(blob.index)
    for (const s of blob.shards) await store.put(s.cid, s.bytes)
    await store.delete(blob.shards[1]!.cid)
    t.equal(await store.hasBlob(blob.index.digest), false)
    t.same((await store.missingShards(blob.index.digest)).map(r => r.cid.toString()), [blob.shards[1]!.cid.toString()])
  })

  t.test(`${name}: restart keeps shards and indexes`, async t => {
    const store = await factory(t)
    await store.start()
    const blob = makeBlob([10, 20, 30], 22)
    const indexCid = await store.putIndex(blob.index)
    for (const s of blob.shards) await store.put(s.cid, s.bytes)
    await store.stop()
    await store.start()
    t.teardown(async () => { await store.stop() })
    t.same(store.stat(), { shards: 3, usedBytes: 60, capacityBytes: Infinity, blobs: 1 })
    t.same((await store.haveMap(blob.index.digest)).indexCid.toString(), indexCid.toString())
    t.same(Buffer.from(concat(await collect(store.readBlob(blob.index.digest)))), Buffer.from(blob.bytes))
  })

  t.test(`${name}: addBlob`, async t => {
    const store = await open(t)
    const chunker = { minBytes: 64, avgBytes: 256, maxBytes: 1024 }
    const bytes = randomBytes(20_000, 23)
    const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex')
    let piecesRead = 0
    let piecesReadAtFirstShard = -1
    async function * source (): AsyncGenerator<Uint8Array> {
      for (let off = 0; off < bytes.byteLength; off += 97) {
        piecesRead++
        yield bytes.slice(off, off + 97)
      }
    }
    const seen: Array<{ offset: number, added: boolean, held: boolean }> = []
    const index = await store.addBlob(source(), {
      chunker,
      expectedDigest: digest,
      onShard: (ref, added) => {
        if (piecesReadAtFirstShard < 0) piecesReadAtFirstShard = piecesRead
        seen.push({ offset: ref.offset, added, held: store.hasSync(ref.cid) })
      }
    })
    t.equal(index.digest, digest)
    t.equal(index.size, 20_000)
    t.same(index.chunker, { name: 'fastcdc-v1', ...chunker })
    t.ok(index.shards.length > 10, `cut into ${index.shards.length} shards`)
    t.ok(piecesReadAtFirstShard > 0 && piecesReadAtFirstShard < 100, 'shards are stored while the source is still being read')
    t.same(seen.map(s => s.offset), index.shards.map(r => r.offset), 'onShard in order, once per shard')
    t.ok(seen.every(s => s.held), 'onShard comes after the shard is stored')
    t.equal(seen.filter(s => s.added).length, new Set(index.shards.map(r => r.cid.toString())).size, 'added once per distinct shard')
    t.equal(await store.hasBlob(digest), true)
    t.same(Buffer.from(concat(await collect(store.readBlob(digest)))), Buffer.from(bytes))
    const stored = await store.getIndex(digest)
    t.same(stored?.shards.map(r => r.cid.toString()), index.shards.map(r => r.cid.toString()))

    const statBefore = store.stat()
    const again: boolean[] = []
    const second = await store.addBlob(source(), { chunker, onShard: (_ref, added) => again.push(added) })
    t.same(second.shards.map(r => r.cid.toString()), index.shards.map(r => r.cid.toString()), 'deterministic')
    t.ok(again.every(a => !a), 'nothing stored twice')
    t.same(store.stat(), statBefore)

    const other = randomBytes(3000, 24)
    await t.rejects(store.addBlob([other], { chunker, expectedDigest: digest }), { name: 'BlobDigestMismatchError' })
    t.equal(store.stat().blobs, 1, 'no index for a blob that failed its digest')
    await t.rejects(store.addBlob([other], { chunker, signal: AbortSignal.abort() }), { name: 'AbortError' })
    await t.rejects(store.addBlob([other], { chunker: { avgBytes: 100 } }), { name: 'InvalidChunkerParamsError' })

    const small = await open(t, { capacityBytes: 1000 })
    await t.rejects(small.addBlob([other], { chunker }), { name: 'StoreFullError' })
    t.equal(small.stat().blobs, 0)

    const empty = await store.addBlob([], { chunker })
    t.equal(empty.size, 0)
    t.same(await collect(store.readBlob(empty.digest)), [])
  })

  t.test(`${name}: seeded concurrent simulation`, async t => {
    const seed = Number(process.env.SHOAL_STORE_SEED ?? Date.now() % 1_000_000)
    t.comment(`seed ${seed} (replay with SHOAL_STORE_SEED=${seed})`)
    await simulate(t, await open(t, { capacityBytes: 900 }), seed)
  })
}
