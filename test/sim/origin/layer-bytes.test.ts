import t from 'tap'
import { LAYER_CHUNK_BYTES, layerChunks, layerDigest } from '../../../sim/origin/index.js'
import { randomStream } from '../../../sim/random.js'
import { collect, sha256 } from './helpers.js'

const MiB = 1024 * 1024

t.test('a layer is randomStream(sizeBytes, seed), chunk by chunk', async t => {
  t.equal(LAYER_CHUNK_BYTES, MiB, 'the chunk size randomStream uses by default')
  for (const sizeBytes of [1, 4096, MiB, MiB + 1, 3 * MiB - 7]) {
    const layer = { sizeBytes, seed: 42 }
    const whole = await collect(randomStream(sizeBytes, 42))
    const chunks = [...layerChunks(layer)]
    t.ok(chunks.every(c => c.byteLength <= LAYER_CHUNK_BYTES), `${sizeBytes}: no chunk above 1 MiB`)
    t.ok(Buffer.concat(chunks).equals(whole), `${sizeBytes}: the same bytes`)
    t.equal(await layerDigest(layer), sha256(whole), `${sizeBytes}: the digest of those bytes`)
  }
})

t.test('any range of a layer is the same slice of its bytes, without making what comes before', async t => {
  const sizeBytes = 3 * MiB + 100
  const whole = await collect(randomStream(sizeBytes, 7))
  const ranges: Array<[number, number]> = [[0, 1], [0, sizeBytes], [MiB - 1, MiB + 1], [MiB, 2 * MiB], [2 * MiB + 5, sizeBytes], [sizeBytes - 1, sizeBytes], [10, 10]]
  for (const [start, end] of ranges) {
    const got = Buffer.concat([...layerChunks({ sizeBytes, seed: 7 }, start, end)])
    t.ok(got.equals(whole.subarray(start, end)), `[${start}, ${end})`)
  }
  t.equal([...layerChunks({ sizeBytes, seed: 7 }, 2 * MiB + 5, sizeBytes)].length, 2, 'starts at the chunk holding the first byte')
  t.throws(() => [...layerChunks({ sizeBytes: 10, seed: 1 }, 5, 11)], RangeError)
})

t.test('digests are cached by seed and size', async t => {
  const cache = new Map<string, string>()
  const layer = { sizeBytes: 5000, seed: 9 }
  const digest = await layerDigest(layer, cache)
  t.same([...cache], [['9:5000', digest]])
  cache.set('9:5000', 'sha256:cached')
  t.equal(await layerDigest(layer, cache), 'sha256:cached', 'the cache is asked first')
  t.not(await layerDigest({ sizeBytes: 5000, seed: 10 }), digest, 'another seed, other bytes')
  t.not(await layerDigest({ sizeBytes: 5001, seed: 9 }), digest, 'another size, another digest')
})
