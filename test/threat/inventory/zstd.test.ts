/**
 * zstd layers: the same inventory as the plain tar, whatever the encoder's
 * settings, frames and skippable frames; and every way a zstd stream can be
 * cut short, damaged or oversized ends in a DecompressionError naming the
 * compressed offset, with memory bounded by a block, not by what a chunk
 * could expand to.
 */
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { decompress, inventoryLayer, ZSTD_MAX_WINDOW_BYTES } from '../../../src/threat/inventory/index.js'
import { requireBinaries } from '../../utils/system.js'
import { withThreatData } from '../../utils/shared-data.js'
import { caught } from './helpers.js'
import { ALPINE_LAYER, DEBIAN_LAYER } from './layers.js'
import { chunks, header, tar } from './tar-writer.js'
import { block, contentChecksum, frameHeader, rleBlock, skippableFrame, storedFrame, ZSTD_BLOCK_MAX, zstdCli } from './zstd-writer.js'

const withData = withThreatData(t)
const MiB = 1024 * 1024

async function unpack (source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const chunk of decompress(source)) parts.push(chunk)
  return Buffer.concat(parts)
}

/** Some bytes with enough repetition for an encoder to find matches in. */
function sample (bytes: number): Buffer {
  const words = ['layer', 'shoal', 'zstd', 'frame', 'block', '\n', 'window', ' ', 'package', '/usr/lib/']
  const out = Buffer.alloc(bytes)
  let x = 12345
  for (let at = 0; at < bytes;) {
    x = (x * 1103515245 + 12345) >>> 0
    at += out.write(words[x % words.length]!, at)
  }
  return out
}

withData('a zstd layer inventories as the plain tar does, whatever the zstd CLI settings', async t => {
  if (!requireBinaries(t, ['zstd'])) return
  const plain = tar([...DEBIAN_LAYER, ...ALPINE_LAYER])
  const expected = await inventoryLayer(chunks(plain))
  t.ok(expected.packages.length > 5, 'a layer with packages in it')
  const third = Math.floor(plain.length / 3)
  const variants: Array<[string, Buffer]> = [
    ['default (level 3, checksum)', zstdCli(plain)],
    ['level 19', zstdCli(plain, ['-19'])],
    ['no checksum', zstdCli(plain, ['--no-check'])],
    ['content size given', zstdCli(plain, [`--stream-size=${plain.length}`])],
    ['level 1, rsyncable, 2 threads', zstdCli(plain, ['-1', '--rsyncable', '-T2'])],
    ['three frames', Buffer.concat([zstdCli(plain.subarray(0, third)), zstdCli(plain.subarray(third, 2 * third)), zstdCli(plain.subarray(2 * third))])],
    ['skippable frames before, between and after', Buffer.concat([skippableFrame(100), zstdCli(plain.subarray(0, third)), skippableFrame(0, 15), zstdCli(plain.subarray(third)), skippableFrame(70_000, 3)])]
  ]
  for (const [what, zst] of variants) {
    t.same(await inventoryLayer(chunks(zst, 1000)), expected, what)
  }
  const [, first] = variants[0]!
  t.same(await inventoryLayer(chunks(first, 1)), expected, '1-byte chunks: every header split')
  t.same(await inventoryLayer(chunks(first, first.length)), expected, 'one chunk')
})

t.test('hand-written frames: raw and RLE blocks, content sizes, checksums, empty frames, skippable frames', async t => {
  const data = sample(12_000)
  const cases: Array<[string, Buffer, Buffer]> = [
    ['raw blocks in a 1 MiB window', await storedFrame(data, { blockBytes: 4096 }), data],
    ['a 128 KiB block', await storedFrame(sample(ZSTD_BLOCK_MAX)), sample(ZSTD_BLOCK_MAX)],
    ['with content size and checksum', await storedFrame(data, { blockBytes: 4096, withContentSize: true, checksum: true }), data],
    ['single segment', await storedFrame(data, { blockBytes: 4096, singleSegment: true, checksum: true }), data],
    ['small blocks in a 1 KiB window', await storedFrame(data.subarray(0, 5000), { windowLog: 10, blockBytes: 1024 }), data.subarray(0, 5000)],
    ['an empty frame (single segment, size 0)', await storedFrame(Buffer.alloc(0), { singleSegment: true }), Buffer.alloc(0)],
    ['empty frames around one that is not', Buffer.concat([await storedFrame(Buffer.alloc(0)), await storedFrame(data, { blockBytes: 4096, checksum: true }), await storedFrame(Buffer.alloc(0), { checksum: true })]), data],
    ['RLE blocks', Buffer.concat([frameHeader({ contentSize: 3 * ZSTD_BLOCK_MAX, checksum: true }), rleBlock(0x41, ZSTD_BLOCK_MAX, false), rleBlock(0x42, ZSTD_BLOCK_MAX, false), rleBlock(0x43, ZSTD_BLOCK_MAX, true), await contentChecksum(Buffer.concat([Buffer.alloc(ZSTD_BLOCK_MAX, 0x41), Buffer.alloc(ZSTD_BLOCK_MAX, 0x42), Buffer.alloc(ZSTD_BLOCK_MAX, 0x43)]))]), Buffer.concat([Buffer.alloc(ZSTD_BLOCK_MAX, 0x41), Buffer.alloc(ZSTD_BLOCK_MAX, 0x42), Buffer.alloc(ZSTD_BLOCK_MAX, 0x43)])],
    ['a skippable frame first (recognised as zstd by its magic)', Buffer.concat([skippableFrame(10, 9), await storedFrame(data)]), data],
    ['skippable frames only between', Buffer.concat([await storedFrame(data.subarray(0, 1000)), skippableFrame(5), skippableFrame(0), await storedFrame(data.subarray(1000))]), data]
  ]
  for (const [what, zst, want] of cases) {
    for (const size of zst.length > 20_000 ? [7, 4096, zst.length] : [1, 17, 4096, zst.length]) {
      const got = await unpack(chunks(zst, size))
      t.ok(got.equals(want), `${what}, in ${size}-byte chunks`)
    }
  }
})

t.test('the zstd CLI\'s own output decompresses byte for byte, in every framing', async t => {
  if (!requireBinaries(t, ['zstd'])) return
  const data = Buffer.concat([sample(3 * MiB), randomBytes(200_000), Buffer.alloc(500_000)])
  for (const args of [[], ['-19'], ['--no-check'], ['--fast=5'], [`--stream-size=${data.length}`], ['-3', '--zstd=wlog=23'], ['-22', '--ultra', '--zstd=wlog=25']]) {
    const got = await unpack(chunks(zstdCli(data, args), 65536))
    t.ok(got.equals(data), `zstd ${args.join(' ') || '(defaults)'}`)
  }
})

t.test('truncated: a DecompressionError naming where the stream ended, wherever it is cut', async t => {
  const data = sample(20_000)
  const zst = Buffer.concat([await storedFrame(data, { blockBytes: 4096, withContentSize: true, checksum: true }), skippableFrame(16)])
  const headerBytes = frameHeader({ contentSize: data.length, checksum: true }).length
  const blockEnds = Array.from({ length: 5 }, (_, i) => headerBytes + (i + 1) * (3 + 4096))
  // Every byte of every header, either side of each block end, and a stride through the bodies.
  const near = (cut: number): boolean => cut < headerBytes + 8 || cut > zst.length - 40 || blockEnds.some(e => Math.abs(cut - e) <= 4) || cut % 97 === 0
  const inside = new Set<string>()
  for (let cut = 4; cut < zst.length; cut++) { // fewer than 4 bytes are not recognised as zstd
    if (!near(cut) || cut === zst.length - 24) continue // zst.length - 24: between the frame and the skippable one, a whole stream
    const err = await caught(unpack(chunks(zst.subarray(0, cut), 5000)))
    if (err.name !== 'DecompressionError' || err.offset !== cut) {
      t.fail(`cut at ${cut}: ${err.name} ${err.message}`)
      return
    }
    inside.add(/ends inside (.*?) \(/.exec(err.message)?.[1] ?? err.message)
  }
  t.same([...inside].sort(), ['a block', 'a block header', 'a frame header', "a frame's checksum", 'a magic number', 'a skippable frame'], 'every place named')
  t.ok((await unpack(chunks(zst.subarray(0, zst.length - 24)))).equals(data), 'cut between frames: a whole stream')
})

withData('a truncated zstd layer fails the inventory with DecompressionError', async t => {
  const layer = tar(DEBIAN_LAYER)
  const zst = await storedFrame(layer, { blockBytes: 4096, checksum: true })
  const err = await caught(inventoryLayer(chunks(zst.subarray(0, zst.length >> 1))))
  t.equal(err.name, 'DecompressionError')
  t.match(err.message, /zstd stream is truncated: it ends inside a block/)
  // The tar reader stops at the end-of-archive marker, as it does for gzip: a cut after it goes unseen.
  t.same(await inventoryLayer(chunks(zst.subarray(0, zst.length - 3))), await inventoryLayer(chunks(layer)), 'a cut in the checksum, after the tar has ended')
  if (requireBinaries(t, ['zstd'])) {
    const real = zstdCli(layer)
    const half = await caught(inventoryLayer(chunks(real.subarray(0, real.length >> 1))))
    t.equal(half.name, 'DecompressionError', `the CLI's stream cut in half: ${half.message}`)
  }
})

t.test('corrupt: structure, checksum and content size are checked; the offset is the frame or block at fault', async t => {
  const data = sample(50_000)
  const good = await storedFrame(data, { blockBytes: 10_000, withContentSize: true, checksum: true })
  const headerBytes = frameHeader({ contentSize: data.length, checksum: true }).length
  const secondBlock = headerBytes + 3 + 10_000
  const flip = (at: number, mask: number): Buffer => { const b = Buffer.from(good); b[at] = b[at]! ^ mask; return b }
  const cases: Array<[string, Buffer, RegExp, number]> = [
    ['a damaged magic number (of a second frame: a damaged first one is not zstd at all)', Buffer.concat([good, flip(1, 0xff)]), /0xfd2f4a28 is not a zstd frame's magic number/, good.length],
    ['the reserved bit', flip(4, 0x08), /reserved bit/, 0],
    ['a dictionary', Buffer.concat([frameHeader({ dictionaryId: 7 }), block(0, true, Buffer.from('x'))]), /needs dictionary 7/, 0],
    ['a reserved block type', flip(secondBlock, 0x06), /reserved type 3/, secondBlock],
    ['a block bigger than the window allows', Buffer.concat([frameHeader({ windowLog: 10 }), block(0, true, Buffer.alloc(2048))]), /a block of 2048 bytes, more than the frame's maximum of 1024/, 6],
    ['an RLE block bigger than 128 KiB', Buffer.concat([frameHeader({ windowLog: 25 }), rleBlock(0, ZSTD_BLOCK_MAX + 1, true)]), /more than the frame's maximum of 131072/, 6],
    ['an empty compressed block', Buffer.concat([frameHeader(), block(2, true, Buffer.alloc(0))]), /empty compressed block/, 6],
    ['a changed byte of content', flip(secondBlock + 500, 0x01), /checksum does not match/, 0],
    ['a changed checksum', flip(good.length - 1, 0x80), /checksum does not match/, 0],
    ['a content size that does not add up', Buffer.concat([frameHeader({ contentSize: 5 }), block(0, true, Buffer.from('four'))]), /decompressed to 4 bytes, but declares 5/, 0],
    ['garbage after the last frame', Buffer.concat([good, Buffer.from('trailing')]), /0x69617274 is not a zstd frame's magic number/, good.length],
    ['a compressed block fzstd cannot decode', Buffer.concat([frameHeader(), block(2, true, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff]))]), /zstd stream is corrupt: fzstd: /, 6]
  ]
  for (const [what, zst, message, offset] of cases) {
    const err = await caught(unpack(chunks(zst, 777)))
    t.equal(err.name, 'DecompressionError', `${what}: ${err.message}`)
    t.match(err.message, message, what)
    t.equal(err.offset, offset, `${what}: offset`)
  }
})

t.test('windows: up to ZSTD_MAX_WINDOW_BYTES is decoded, beyond it refused before anything is allocated', async t => {
  t.equal(ZSTD_MAX_WINDOW_BYTES, 32 * MiB)
  const data = sample(1000)
  t.ok((await unpack(chunks(await storedFrame(data, { windowLog: 25 })))).equals(data), 'a 32 MiB window')
  let err = await caught(unpack(chunks(await storedFrame(data, { windowLog: 26 }))))
  t.match(err, { name: 'DecompressionError', offset: 0, message: /needs a 67108864 byte window, more than the 33554432 allowed \(ZSTD_MAX_WINDOW_BYTES\)/ })
  err = await caught(unpack(chunks(await storedFrame(data, { windowLog: 41 }))))
  t.match(err, { name: 'DecompressionError', message: /needs a 2199023255552 byte window/ }, 'the largest window a header can declare')
  const single = Buffer.concat([frameHeader({ singleSegment: true, contentSize: 2 ** 40 }), rleBlock(0, ZSTD_BLOCK_MAX, true)])
  err = await caught(unpack(chunks(single)))
  t.match(err, { name: 'DecompressionError', message: /needs a 1099511627776 byte window/ }, 'a single-segment frame: its content size is its window')
})

t.test('an RLE bomb comes out one block at a time, and the inventory\'s total limit stops it', async t => {
  const blocks = 2048 // 256 MiB of one file's body from 9 KiB
  const bomb = Buffer.concat([
    frameHeader({ windowLog: 17 }),
    block(0, false, header({ name: 'big', size: blocks * ZSTD_BLOCK_MAX, typeflag: '0' })),
    ...Array.from({ length: blocks }, (_, i) => rleBlock(0x41, ZSTD_BLOCK_MAX, i === blocks - 1))
  ])
  t.ok(bomb.length < 10_000)
  let total = 0
  let largest = 0
  for await (const chunk of decompress(chunks(bomb, bomb.length))) {
    total += chunk.length
    largest = Math.max(largest, chunk.length)
  }
  t.equal(total, 512 + blocks * ZSTD_BLOCK_MAX)
  t.equal(largest, ZSTD_BLOCK_MAX, 'never more than a block at a time, though the input came as one chunk')
  const err = await caught(inventoryLayer(chunks(bomb, bomb.length), { limits: { maxTotalBytes: 16 * MiB } }))
  t.match(err, { name: 'InventoryLimitError', limit: 'maxTotalBytes' })
})

t.test('a run of tiny blocks in a big window is refused, not copied window by window without end', async t => {
  // fzstd shifts its whole window for every block: 4000 one-byte blocks in a 32 MiB window would copy 125 GiB for 4000 bytes.
  const blocks = 4000
  const flood = Buffer.concat([frameHeader({ windowLog: 25 }), ...Array.from({ length: blocks }, (_, i) => block(0, i === blocks - 1, Buffer.from('x')))])
  const started = Date.now()
  const err = await caught(unpack(chunks(flood)))
  t.match(err, { name: 'DecompressionError', message: /too many blocks for what they decompress to \(\d+ bytes so far, in 33554432 byte windows\)/ })
  const stoppedAfter = ((err.offset as number) - 6) / 4
  t.ok(stoppedAfter < 130, `stopped after ${stoppedAfter} blocks (4 GiB of copying), in ${Date.now() - started} ms`)
})
