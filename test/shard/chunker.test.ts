import t, { type Test } from 'tap'
import { createHash } from 'node:crypto'
import { chunk } from '../../src/shard/chunker.js'
import { shardCid } from '../../src/shard/cid.js'
import { DEFAULT_AVG_BYTES, DEFAULT_MAX_BYTES, DEFAULT_MIN_BYTES } from '../../src/shard/constants.js'
import { WorkerHasher } from '../../src/shard/worker-hasher.js'
import type { Chunk } from '../../src/shard/types.js'
import { collect, concat, randomBytes, randomSplit, referenceLengths, SMALL, split } from './util.js'

const KiB = 1024
const MiB = 1024 * KiB

function lengths (chunks: readonly Chunk[]): number[] {
  return chunks.map(c => c.length)
}

function checkChunks (t: Test, bytes: Uint8Array, chunks: readonly Chunk[]): void {
  let offset = 0
  let bad = 0
  for (const c of chunks) {
    if (c.offset !== offset || c.length !== c.bytes.byteLength || !c.cid.equals(shardCid(c.bytes)) ||
      Buffer.compare(c.bytes, bytes.subarray(offset, offset + c.length)) !== 0) bad++
    offset += c.length
  }
  t.equal(bad, 0, 'every shard: right offset, length, bytes and CID')
  t.equal(offset, bytes.byteLength, 'the shards cover the blob')
}

t.test('the streaming chunker cuts where the plain whole-buffer FastCDC does', async t => {
  const bytes = randomBytes(3 * MiB + 123, 1)
  const chunks = await collect(split(bytes, [64 * KiB]), SMALL)
  t.same(lengths(chunks), referenceLengths(bytes, SMALL))
  checkChunks(t, bytes, chunks)
  t.ok(chunks.length > 100, `${chunks.length} shards`)
})

t.test('same bytes, any split into input buffers: the same shards', async t => {
  const bytes = randomBytes(2 * MiB + 7, 2)
  const want = (await collect(split(bytes, [bytes.byteLength]), SMALL)).map(c => c.cid.toString())
  const splits: Array<[string, AsyncIterable<Uint8Array>]> = [
    ['1 MiB buffers', split(bytes, [MiB])],
    ['4 KiB buffers (= minBytes)', split(bytes, [4 * KiB])],
    ['odd sizes 1, 7, 4093, 65537', split(bytes, [1, 7, 4093, 65537])],
    ['seeded random sizes up to 20 KiB', randomSplit(bytes, 3, 20 * KiB)],
    ['seeded random sizes up to 200 KiB', randomSplit(bytes, 4, 200 * KiB)]
  ]
  for (const [name, source] of splits) {
    const got = await collect(source, SMALL)
    t.same(got.map(c => c.cid.toString()), want, name)
  }
})

t.test('streaming: one byte at a time', async t => {
  const bytes = randomBytes(80 * KiB, 5)
  const chunks = await collect(split(bytes, [1]), SMALL)
  t.ok(chunks.length >= 3, `${chunks.length} shards`)
  t.same(lengths(chunks), referenceLengths(bytes, SMALL))
  checkChunks(t, bytes, chunks)
})

t.test('size bounds, and the average on random data', async t => {
  const bytes = randomBytes(16 * MiB, 6)
  const chunks = await collect(randomSplit(bytes, 7, 256 * KiB), SMALL)
  const body = chunks.slice(0, -1)
  t.equal(body.filter(c => c.length < SMALL.minBytes || c.length > SMALL.maxBytes).length, 0, 'all but the last within [min, max]')
  t.ok(chunks.at(-1)!.length <= SMALL.maxBytes)
  const avg = bytes.byteLength / chunks.length
  t.ok(Math.abs(avg - SMALL.avgBytes) / SMALL.avgBytes <= 0.25, `average ${avg.toFixed(0)} within 25% of ${SMALL.avgBytes} (${chunks.length} shards)`)
})

t.test('default parameters: bounds and average on 16 MiB', async t => {
  const bytes = randomBytes(16 * MiB, 8)
  const stream = chunk(split(bytes, [MiB]))
  t.same(stream.params, { name: 'fastcdc-v1', minBytes: DEFAULT_MIN_BYTES, avgBytes: DEFAULT_AVG_BYTES, maxBytes: DEFAULT_MAX_BYTES })
  const chunks: Chunk[] = []
  for await (const c of stream) chunks.push(c)
  checkChunks(t, bytes, chunks)
  t.equal(chunks.slice(0, -1).filter(c => c.length <= DEFAULT_MIN_BYTES || c.length > DEFAULT_MAX_BYTES).length, 0, 'within bounds')
  const avg = bytes.byteLength / chunks.length
  t.ok(Math.abs(avg - DEFAULT_AVG_BYTES) / DEFAULT_AVG_BYTES <= 0.25, `average ${(avg / KiB).toFixed(0)} KiB within 25% of 1 MiB (${chunks.length} shards)`)
})

t.test('boundary stability: bytes inserted near the start change only the first shards', async t => {
  const bytes = randomBytes(12 * MiB, 9)
  const edited = concat([bytes.subarray(0, 1000), randomBytes(100, 10), bytes.subarray(1000)])
  const a = await collect(split(bytes, [MiB]))
  const b = await collect(split(edited, [MiB]))
  const inA = new Set(a.map(c => c.cid.toString()))
  const shared = b.filter(c => inA.has(c.cid.toString())).length
  t.ok(a.length >= 9, `${a.length} shards before the edit`)
  t.ok(shared >= a.length - 2, `${shared} of ${a.length} shards shared after inserting 100 bytes at offset 1000`)
  t.same(b.slice(-shared).map(c => c.cid.toString()), a.slice(-shared).map(c => c.cid.toString()), 'the shared ones are the tail, in order')
  t.equal(b.at(-1)!.offset - a.at(-1)!.offset, 100, 'shifted by the insert')

  // The same for a deletion in the middle, with small shards: only the shards around it change.
  const small = randomBytes(4 * MiB, 11)
  const cut = concat([small.subarray(0, 2 * MiB), small.subarray(2 * MiB + 10)])
  const c = await collect(split(small, [MiB]), SMALL)
  const d = await collect(split(cut, [MiB]), SMALL)
  const inC = new Set(c.map(x => x.cid.toString()))
  const changed = d.filter(x => !inC.has(x.cid.toString())).length
  t.ok(changed <= 2, `${changed} of ${d.length} shards changed after deleting 10 bytes in the middle`)
})

t.test('empty and tiny blobs', async t => {
  t.same(await collect(split(new Uint8Array(0), [1])), [], 'empty stream: no shards')
  t.same(await collect((async function * () { yield new Uint8Array(0); yield new Uint8Array(0) })()), [], 'empty buffers: no shards')
  const one = await collect(split(Uint8Array.of(42), [1]))
  t.equal(one.length, 1)
  t.equal(one[0]!.offset, 0)
  t.equal(one[0]!.length, 1)
  t.ok(one[0]!.cid.equals(shardCid(Uint8Array.of(42))))
  const under = randomBytes(SMALL.minBytes, 12)
  t.same(lengths(await collect(split(under, [100]), SMALL)), [SMALL.minBytes], 'minBytes bytes: one shard')
})

t.test('a stream with no boundary is cut at maxBytes', async t => {
  const zeros = new Uint8Array(3 * SMALL.maxBytes + 5)
  // All-zero input: the gear hash of zeros settles to a constant; whether or not it ever matches, no shard passes maxBytes.
  const chunks = await collect(split(zeros, [10 * KiB]), SMALL)
  t.same(lengths(chunks), referenceLengths(zeros, SMALL))
  t.ok(chunks.every(c => c.length <= SMALL.maxBytes))
})

t.test('a shard inside one input buffer is a view of it; one spanning buffers is a copy', async t => {
  const bytes = randomBytes(MiB, 13)
  const chunks = await collect((async function * () { yield bytes })(), SMALL)
  t.ok(chunks.every(c => c.bytes.buffer === bytes.buffer), 'one input buffer: every shard is a view')
  const spread = await collect(split(bytes, [1000]), SMALL)
  t.ok(spread.every(c => c.bytes.buffer !== bytes.buffer), 'small input buffers: copies')
})

t.test('a worker hasher gives the same shards', async t => {
  const hasher = new WorkerHasher({ minBytes: 1 })
  await hasher.start()
  await hasher.start()
  t.teardown(async () => { await hasher.stop() })
  const bytes = randomBytes(3 * MiB, 14)
  const input = split(bytes, [300 * KiB, 5, 70 * KiB])
  const viaWorker = await collect(input, { ...SMALL, hasher })
  const inline = await collect(split(bytes, [MiB]), SMALL)
  t.same(viaWorker.map(c => c.cid.toString()), inline.map(c => c.cid.toString()))
  checkChunks(t, bytes, viaWorker)
  // Input buffers are never moved to the worker, even a shard that is a whole one.
  const whole = bytes.slice(0, 100 * KiB)
  const alone = await collect((async function * () { yield whole })(), { ...SMALL, hasher })
  t.equal(whole.byteLength, 100 * KiB, 'the caller\'s buffer is still attached')
  checkChunks(t, whole, alone)
  await hasher.stop()
  await hasher.stop()
  const after = await collect(split(bytes, [MiB]), { ...SMALL, hasher })
  t.same(after.map(c => c.cid.toString()), inline.map(c => c.cid.toString()), 'a stopped hasher hashes inline')
})

t.test('options are validated when the chunker is built', async t => {
  const source = split(new Uint8Array(10), [10])
  t.throws(() => chunk(source, { minBytes: 1000, avgBytes: 1000, maxBytes: 4000 }), { name: 'InvalidChunkerParamsError', message: /power of two/ })
  t.throws(() => chunk(source, { minBytes: 4096, avgBytes: 2048, maxBytes: 8192 }), { name: 'InvalidChunkerParamsError', message: /minBytes < avgBytes < maxBytes/ })
  t.throws(() => chunk(source, { avgBytes: 32 }), { name: 'InvalidChunkerParamsError', message: /avgBytes must be an integer from 64/ })
  t.throws(() => chunk(source, { maxBytes: 64 * MiB }), { name: 'InvalidChunkerParamsError', message: /maxBytes/ })
  t.throws(() => chunk(source, { name: 'rabin' }), { name: 'InvalidChunkerParamsError', message: /unknown chunker "rabin"/ })
  t.throws(() => chunk(source, { min: 1 } as never), { name: 'InvalidChunkerParamsError', message: /unknown chunker option "min"; the options are name, minBytes/ })
  t.same(chunk(source, { avgBytes: 64 * KiB }).params, { name: 'fastcdc-v1', minBytes: 16 * KiB, avgBytes: 64 * KiB, maxBytes: 256 * KiB }, 'only avgBytes: min and max follow it')
})

t.test('abort', async t => {
  const bytes = randomBytes(2 * MiB, 15)
  const controller = new AbortController()
  const seen: Chunk[] = []
  await t.rejects(async () => {
    for await (const c of chunk(split(bytes, [64 * KiB]), { ...SMALL, signal: controller.signal })) {
      seen.push(c)
      if (seen.length === 3) controller.abort(new Error('enough'))
    }
  }, { message: 'enough' })
  t.equal(seen.length, 3)
  await t.rejects(collect(split(bytes, [64 * KiB]), { signal: AbortSignal.abort() }), { name: 'AbortError' })
})

t.test('stopping early, with shards still on the worker, leaves nothing behind', async t => {
  const hasher = new WorkerHasher({ minBytes: 1 })
  await hasher.start()
  t.teardown(async () => { await hasher.stop() })
  const bytes = randomBytes(2 * MiB, 16)
  let n = 0
  for await (const _c of chunk(split(bytes, [MiB]), { ...SMALL, hasher })) if (++n === 2) break
  t.equal(n, 2)
  // A source that fails mid-stream: its error comes out, not a hash's.
  const failing = (async function * () { yield bytes.subarray(0, MiB); throw new Error('source broke') })()
  await t.rejects(collect(failing, { ...SMALL, hasher }), { message: 'source broke' })
})

t.test('a golden blob: fastcdc-v1 boundaries do not drift', async t => {
  const bytes = randomBytes(MiB, 2024)
  const chunks = await collect(split(bytes, [MiB]), SMALL)
  const summary = createHash('sha256').update(chunks.map(c => `${c.offset}+${c.length}`).join(',')).digest('hex')
  t.equal(chunks.length, 58)
  t.equal(summary, '3a962783841ecd64c61b37c81f028a2646d7302661757a32c2cbbe2a061fdac2', 'offsets and lengths as pinned when fastcdc-v1 was defined')
})
