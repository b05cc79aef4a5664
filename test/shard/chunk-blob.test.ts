import t from 'tap'
import { createHash } from 'node:crypto'
import { chunkBlob } from '../../src/shard/chunk-blob.js'
import { MAX_INDEX_SHARDS } from '../../src/shard/constants.js'
import { decodeIndex, encodeIndex, indexCid } from '../../src/shard/index-codec.js'
import { WorkerHasher } from '../../src/shard/worker-hasher.js'
import type { Chunk } from '../../src/shard/types.js'
import { collect, randomBytes, SMALL, split } from './util.js'

const KiB = 1024
const MiB = 1024 * KiB

t.test('chunkBlob: digest, index and every shard handed over in order', async t => {
  const bytes = randomBytes(3 * MiB + 5, 21)
  const seen: Chunk[] = []
  const { index, indexCid: cid } = await chunkBlob(split(bytes, [100 * KiB]), {
    ...SMALL,
    onChunk: async c => { await new Promise(resolve => setImmediate(resolve)); seen.push(c) }
  })
  t.equal(index.digest, 'sha256:' + createHash('sha256').update(bytes).digest('hex'))
  t.equal(index.size, bytes.byteLength)
  t.same(index.chunker, SMALL)
  const chunks = await collect(split(bytes, [MiB]), SMALL)
  t.same(index.shards.map(s => s.cid.toString()), chunks.map(c => c.cid.toString()), 'the chunker\'s shards')
  t.same(seen.map(c => c.offset), index.shards.map(s => s.offset), 'onChunk saw each, in order')
  t.ok(cid.equals(indexCid(index)))
  t.same(decodeIndex(encodeIndex(index)), index, 'the index encodes and decodes')
})

t.test('chunkBlob: the same index whatever the input split or hasher', async t => {
  const bytes = randomBytes(2 * MiB, 22)
  const a = await chunkBlob(split(bytes, [MiB]), SMALL)
  const hasher = new WorkerHasher()
  await hasher.start()
  t.teardown(async () => { await hasher.stop() })
  const b = await chunkBlob(split(bytes, [1, 5000, 300 * KiB]), { ...SMALL, hasher })
  t.ok(a.indexCid.equals(b.indexCid))
})

t.test('chunkBlob: empty and one-byte blobs', async t => {
  const empty = await chunkBlob(split(new Uint8Array(0), [1]))
  t.equal(empty.index.size, 0)
  t.same(empty.index.shards, [])
  t.equal(empty.index.digest, 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  const one = await chunkBlob(split(Uint8Array.of(7), [1]))
  t.equal(one.index.size, 1)
  t.equal(one.index.shards.length, 1)
  t.equal(one.index.shards[0]!.length, 1)
})

t.test('chunkBlob: an error from onChunk stops it', async t => {
  await t.rejects(chunkBlob(split(randomBytes(MiB, 23), [MiB]), { ...SMALL, onChunk: () => { throw new Error('disk full') } }), { message: 'disk full' })
  await t.rejects(chunkBlob(split(randomBytes(10, 23), [10]), { onShard: () => {} } as never), { name: 'InvalidChunkerParamsError', message: /unknown chunker option "onShard".*onChunk/ })
})

t.test('chunkBlob: more shards than allowed', async t => {
  const bytes = randomBytes(64 * KiB, 24)
  const tiny = { minBytes: 16, avgBytes: 64, maxBytes: 128 }
  const all = await chunkBlob(split(bytes, [MiB]), tiny)
  const n = all.index.shards.length
  t.ok(n > 500, `${n} shards`)
  t.equal((await chunkBlob(split(bytes, [MiB]), { ...tiny, maxShards: n })).index.shards.length, n, 'exactly maxShards: fine')
  await t.rejects(chunkBlob(split(bytes, [MiB]), { ...tiny, maxShards: n - 1 }), { name: 'TooManyShardsError', message: new RegExp(`more than ${n - 1} shards`) })
  await t.rejects(chunkBlob(split(bytes, [MiB]), { maxShards: MAX_INDEX_SHARDS + 1 }), { name: 'InvalidChunkerParamsError', message: /maxShards must be an integer from 0 to MAX_INDEX_SHARDS \(65536\)/ })
})
