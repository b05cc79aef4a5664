import t from 'tap'
import { createHash } from 'node:crypto'
import { CID, cidToDigest, shardCid } from '../../src/shard/cid.js'
import { MAX_INDEX_BYTES, MAX_INDEX_SHARDS } from '../../src/shard/constants.js'
import { decodeIndex, encodeIndex, indexCid, validateIndex } from '../../src/shard/index-codec.js'
import type { ShardIndex } from '../../src/shard/types.js'
import { randomBytes } from './util.js'

const KiB = 1024
const CHUNKER = { name: 'fastcdc-v1', minBytes: 4 * KiB, avgBytes: 16 * KiB, maxBytes: 64 * KiB }

/** A hand-built index over seeded bytes cut at the given lengths. */
function makeIndex (lengths: number[], seed = 1): ShardIndex {
  const bytes = randomBytes(lengths.reduce((a, b) => a + b, 0), seed)
  let offset = 0
  const shards = lengths.map(length => {
    const ref = { cid: shardCid(bytes.subarray(offset, offset + length)), offset, length }
    offset += length
    return ref
  })
  return { digest: 'sha256:' + createHash('sha256').update(bytes).digest('hex'), size: offset, chunker: { ...CHUNKER }, shards }
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8')
const bytesOf = (s: string): Uint8Array => new TextEncoder().encode(s)
/** Decode after editing the canonical JSON text. */
function decodeEdited (index: ShardIndex, edit: (json: string) => string): ShardIndex {
  return decodeIndex(bytesOf(edit(text(encodeIndex(index)))))
}

t.test('round trip is exact', async t => {
  const index = makeIndex([5000, 20000, 65536, 1])
  const bytes = encodeIndex(index)
  const back = decodeIndex(bytes)
  t.same(back, index)
  t.ok(back.shards.every((s, i) => s.cid.equals(index.shards[i]!.cid)))
  t.same(encodeIndex(back), bytes, 'and re-encodes to the same bytes')
  const empty: ShardIndex = { digest: 'sha256:' + createHash('sha256').digest('hex'), size: 0, chunker: { ...CHUNKER }, shards: [] }
  t.same(decodeIndex(encodeIndex(empty)), empty, 'the empty blob')
})

t.test('the encoding is canonical JSON, and the CID is pinned', async t => {
  const index = makeIndex([5000, 7000])
  const json = text(encodeIndex(index))
  t.match(json, /^\{"chunker":\{"avgBytes":16384,"maxBytes":65536,"minBytes":4096,"name":"fastcdc-v1"\},"digest":"sha256:[0-9a-f]{64}","shards":\[\{"cid":"bafkrei[a-z2-7]+","length":5000,"offset":0\},\{"cid":"bafkrei[a-z2-7]+","length":7000,"offset":5000\}\],"size":12000,"version":1\}$/)
  const cid = indexCid(index)
  t.equal(cid.toString(), 'bafkreiahv5xzeloqyvckixsrxfxnd32p6sqwpnyqybg45urrmg5f2bylby', 'the same index has had the same CID since the format was fixed')
  t.ok(cid.equals(shardCid(encodeIndex(index))), 'raw sha2-256 of the encoding')
  t.equal(cidToDigest(cid), 'sha256:' + createHash('sha256').update(encodeIndex(index)).digest('hex'), 'so it is also the OCI digest of the encoding')
  // Key order in the object does not matter; the parameters do.
  const reordered: ShardIndex = { shards: index.shards, chunker: { maxBytes: 65536, name: 'fastcdc-v1', avgBytes: 16384, minBytes: 4096 }, size: index.size, digest: index.digest }
  t.ok(indexCid(reordered).equals(cid))
  t.notOk(indexCid({ ...index, chunker: { ...CHUNKER, minBytes: 2048 } }).equals(cid))
})

t.test('decodeIndex names what is wrong', async t => {
  const index = makeIndex([5000, 7000, 9000])
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['garbage', () => decodeIndex(bytesOf('{"chunker": nope')), /not JSON/],
    ['not UTF-8', () => decodeIndex(Uint8Array.of(0x7b, 0xff, 0x7d)), /not JSON/],
    ['not an object', () => decodeIndex(bytesOf('[1,2]')), /the index must be a JSON object/],
    ['bad digest', () => decodeEdited(index, j => j.replace(/"sha256:[0-9a-f]{64}"/, '"sha256:abc"')), /digest must be sha256:<64 lowercase hex>/],
    ['uppercase digest', () => decodeEdited(index, j => j.replace(/"sha256:([0-9a-f]{64})"/, (_m, h: string) => `"sha256:${h.toUpperCase()}"`)), /digest must be/],
    ['non-contiguous offsets', () => decodeEdited(index, j => j.replace('"offset":5000', '"offset":5001')), /shard 1: offset 5001, expected 5000/],
    ['wrong total', () => decodeEdited(index, j => j.replace('"size":21000', '"size":21001')), /add up to 21000 bytes, but size is 21001/],
    ['a shard over maxBytes', () => decodeIndex(withMaxBytes(makeIndex([5000, 7000, 40000]), 32768)), /shard 2: length 40000 is outside 1 to chunker.maxBytes \(32768\)/],
    ['an empty shard', () => decodeEdited(index, j => j.replace('"length":5000,"offset":0', '"length":0,"offset":0')), /shard 0: length 0/],
    ['a fractional length', () => decodeEdited(index, j => j.replace('"length":5000', '"length":5000.5')), /shard 0: length must be a non-negative integer/],
    ['a negative size', () => decodeEdited(index, j => j.replace('"size":21000', '"size":-1')), /size must be a non-negative integer/],
    ['a bad CID', () => decodeEdited(index, j => j.replace(/"cid":"bafkrei[a-z2-7]+"/, '"cid":"bafkreinot-a-cid"')), /shard 0: cid: not a CID/],
    ['a dag-pb CID', () => decodeEdited(index, j => j.replace(/"cid":"bafkrei[a-z2-7]+"/, `"cid":"${CID.createV1(0x70, index.shards[0]!.cid.multihash).toString()}"`)), /shard 0: cid must be a CIDv1 with the raw codec/],
    ['unknown chunker', () => decodeEdited(index, j => j.replace('"fastcdc-v1"', '"fastcdc-v9"')), /chunker: unknown chunker "fastcdc-v9"/],
    ['bad chunker params', () => decodeEdited(index, j => j.replace('"avgBytes":16384', '"avgBytes":16000')), /chunker: avgBytes must be a power of two/],
    ['missing field', () => decodeEdited(index, j => j.replace(/"size":21000,/, '')), /the index has no "size" field/],
    ['unknown field', () => decodeEdited(index, j => j.replace('"version":1', '"version":1,"extra":true')), /the index has an unknown field "extra"/],
    ['unknown version', () => decodeEdited(index, j => j.replace('"version":1', '"version":2')), /index version 2; this version reads only 1/],
    ['whitespace', () => decodeEdited(index, j => j.replace('"size":', '"size": ')), /not in canonical form/],
    ['keys out of order', () => decodeEdited(index, j => j.replace(/"length":5000,"offset":0/, '"offset":0,"length":5000')), /not in canonical form/],
    ['exponent notation', () => decodeEdited(index, j => j.replace('"size":21000', '"size":2.1e4')), /not in canonical form/]
  ]
  for (const [name, fn, message] of cases) t.throws(fn, { name: 'InvalidIndexError', message }, name)
})

t.test('limits: shard count and encoded size', async t => {
  const big = new Uint8Array(MAX_INDEX_BYTES + 1).fill(0x20)
  t.throws(() => decodeIndex(big), { name: 'InvalidIndexError', message: /more than MAX_INDEX_BYTES/ }, 'too large: refused before parsing')

  // The most shards an index may list, each as long as it may be, fits the size limit.
  const cid = shardCid(Uint8Array.of(1))
  const maxBytes = 16 * 1024 * 1024
  const shards = Array.from({ length: MAX_INDEX_SHARDS }, (_, i) => ({ cid, offset: i * maxBytes, length: maxBytes }))
  const full: ShardIndex = { digest: 'sha256:' + '0'.repeat(64), size: MAX_INDEX_SHARDS * maxBytes, chunker: { name: 'fastcdc-v1', minBytes: 16, avgBytes: 1024 * 1024, maxBytes }, shards }
  const encoded = encodeIndex(full)
  t.ok(encoded.byteLength <= MAX_INDEX_BYTES, `${MAX_INDEX_SHARDS} shards encode to ${encoded.byteLength} bytes`)
  t.equal(decodeIndex(encoded).shards.length, MAX_INDEX_SHARDS)
  const over = { ...full, size: full.size + 1, shards: [...shards, { cid, offset: full.size, length: 1 }] }
  t.throws(() => encodeIndex(over), { name: 'InvalidIndexError', message: /more than MAX_INDEX_SHARDS/ })
})

t.test('encodeIndex refuses an invalid index', async t => {
  const index = makeIndex([5000, 7000])
  t.throws(() => encodeIndex({ ...index, size: 1 }), { name: 'InvalidIndexError' })
  t.throws(() => validateIndex({ ...index, shards: [{ ...index.shards[0]!, cid: 'bafk' as unknown as CID }, index.shards[1]!] }), { name: 'InvalidIndexError', message: /shard 0: cid must be/ })
})

/** The encoding of `index` with chunker.maxBytes changed after the fact, as a hostile peer might send it. */
function withMaxBytes (index: ShardIndex, maxBytes: number): Uint8Array {
  return bytesOf(text(encodeIndex(index)).replace(`"maxBytes":${index.chunker.maxBytes}`, `"maxBytes":${maxBytes}`))
}
