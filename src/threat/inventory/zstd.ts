/**
 * zstd layers (`...tar+zstd`), decompressed as they stream. Node 20's zlib
 * has no zstd, so the decoding is fzstd's, in plain JavaScript. This file
 * reads the frame and block headers itself (RFC 8878) and gives fzstd one
 * frame at a time, cut at block ends, because fzstd on its own would
 *
 * - allocate whatever window a frame declares (up to 2 GiB): here a window
 *   over `ZSTD_MAX_WINDOW_BYTES` is refused before anything is allocated;
 * - decode every block of an input chunk before returning (a 64 KiB chunk
 *   of 4-byte RLE blocks is 2 GiB of output): here each push ends at a block
 *   end, so no more than a few 128 KiB blocks are ever waiting to be read;
 * - take a raw or RLE block bigger than the block maximum, skip the content
 *   checksum unread, and shift its whole window once per block (so a run of
 *   one-byte blocks costs a window-sized copy per byte): here block sizes are
 *   checked, the XXH64 checksum and the declared content size are verified
 *   (gunzip verifies CRC-32 and length too), and the copying is budgeted
 *   against the output (`ZSTD_MAX_WINDOW_COPY_RATIO`).
 *
 * Skippable frames (zstd:chunked's metadata, encoder padding) are passed
 * over and never reach fzstd; frames follow one another freely. Frames that
 * need a dictionary are refused (layers never use one). Every failure is a
 * `DecompressionError` naming the compressed byte offset.
 */
import { Decompress } from 'fzstd'
import xxhash, { type XXHash } from 'xxhash-wasm'
import { KiB } from '../../node/constants.js'
import { ZSTD_MAX_WINDOW_BYTES, ZSTD_MAX_WINDOW_COPY_RATIO, ZSTD_WINDOW_COPY_ALLOWANCE_BYTES } from './constants.js'
import { DecompressionError } from './errors.js'

const FRAME_MAGIC = 0xfd2fb528
/** Skippable frames' magic numbers are 0x184D2A50 to 0x184D2A5F. */
const SKIPPABLE_MAGIC = 0x184d2a50
const SKIPPABLE_MAGIC_MASK = 0xfffffff0
const BLOCK_MAX_BYTES = 128 * KiB
const BLOCK_RLE = 1
const BLOCK_COMPRESSED = 2
const BLOCK_RESERVED = 3
const EMPTY = new Uint8Array(0)

interface Frame {
  /** Where its magic number starts. */
  offset: number
  windowBytes: number
  blockMaxBytes: number
  contentBytes?: number
  decoder: Decompress
  /** XXH64 of the output so far, when the frame ends in a checksum. */
  hash: XXHash<bigint> | undefined
  produced: number
}

type State =
  | { at: 'magic' }
  | { at: 'frame-header', bytes: number }
  | { at: 'block-header' }
  | { at: 'block-body', left: number, last: boolean }
  | { at: 'checksum' }
  | { at: 'skippable-size' }
  | { at: 'skippable-body', left: number }

/** The decompressed bytes of a zstd stream (one or more frames, skippable ones among them). */
export async function * unzstd (input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = new ZstdReader(await xxhash())
  for await (const chunk of input) {
    let pos = 0
    while (pos < chunk.length) {
      pos = reader.step(chunk, pos)
      // One step pushes at most up to one block end: what it produced is a few blocks at most.
      while (reader.output.length > 0) yield reader.output.shift()!
    }
  }
  reader.end()
}

/** The frame and block structure, followed byte by byte; fzstd decodes the frames' contents. */
class ZstdReader {
  readonly output: Uint8Array[] = []
  private state: State = { at: 'magic' }
  /** Bytes of the header being read (at most a frame header: 4 + 14). */
  private readonly scratch = new Uint8Array(18)
  private filled = 0
  /** Where the last `fill` left off in its chunk. */
  private consumed = 0
  /** Compressed bytes consumed. */
  private offset = 0
  /** Where the current header or block started. */
  private start = 0
  private frame: Frame | undefined
  private produced = 0
  private windowCopied = 0

  constructor (private readonly xxh: { create64 (seed?: bigint): XXHash<bigint> }) {}

  /** Consume `chunk` from `pos` up to the end of a header, a block, or the chunk; the new position. */
  step (chunk: Uint8Array, pos: number): number {
    const s = this.state
    switch (s.at) {
      case 'magic': {
        if (this.filled === 0) this.start = this.offset
        if (!this.fill(chunk, pos, 4)) return chunk.length
        const magic = this.u32(0)
        if (magic === FRAME_MAGIC) {
          this.state = { at: 'frame-header', bytes: 5 }
        } else if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
          this.filled = 0
          this.state = { at: 'skippable-size' }
        } else {
          throw this.corrupt(`0x${magic.toString(16).padStart(8, '0')} is not a zstd frame's magic number`, this.start)
        }
        return this.consumed
      }
      case 'frame-header': {
        if (!this.fill(chunk, pos, s.bytes)) return chunk.length
        if (s.bytes === 5) {
          // The descriptor says how long the rest is (at least a byte: a window descriptor or a content size).
          this.state = { at: 'frame-header', bytes: 5 + frameHeaderRest(this.scratch[4]!) }
          return this.consumed
        }
        this.openFrame()
        return this.consumed
      }
      case 'block-header': {
        if (this.filled === 0) this.start = this.offset
        if (!this.fill(chunk, pos, 3)) return chunk.length
        const frame = this.frame!
        const header = this.scratch[0]! | (this.scratch[1]! << 8) | (this.scratch[2]! << 16)
        const last = (header & 1) === 1
        const type = (header >> 1) & 3
        const size = header >>> 3
        if (type === BLOCK_RESERVED) throw this.corrupt('a block of the reserved type 3', this.start)
        if (type === BLOCK_COMPRESSED && size === 0) throw this.corrupt('an empty compressed block', this.start)
        if (size > frame.blockMaxBytes) throw this.corrupt(`a block of ${size} bytes, more than the frame's maximum of ${frame.blockMaxBytes}`, this.start)
        this.push(this.scratch.slice(0, 3), false)
        this.filled = 0
        // An RLE block's size is what it decompresses to; its body is the one byte repeated.
        const left = type === BLOCK_RLE ? 1 : size
        this.state = { at: 'block-body', left, last }
        if (left === 0) this.blockEnd(last)
        return this.consumed
      }
      case 'block-body': {
        const n = Math.min(s.left, chunk.length - pos)
        this.push(chunk.subarray(pos, pos + n), false)
        this.offset += n
        s.left -= n
        if (s.left === 0) this.blockEnd(s.last)
        return pos + n
      }
      case 'checksum': {
        if (!this.fill(chunk, pos, 4)) return chunk.length
        this.closeFrame(this.u32(0))
        return this.consumed
      }
      case 'skippable-size': {
        if (!this.fill(chunk, pos, 4)) return chunk.length
        const left = this.u32(0)
        this.filled = 0
        this.state = left === 0 ? { at: 'magic' } : { at: 'skippable-body', left }
        return this.consumed
      }
      case 'skippable-body': {
        const n = Math.min(s.left, chunk.length - pos)
        this.offset += n
        s.left -= n
        if (s.left === 0) this.state = { at: 'magic' }
        return pos + n
      }
    }
  }

  /** The stream has ended: it must end between frames. */
  end (): void {
    if (this.state.at === 'magic' && this.filled === 0) return
    const inside: Record<State['at'], string> = {
      magic: 'a magic number',
      'frame-header': 'a frame header',
      'block-header': 'a block header',
      'block-body': 'a block',
      checksum: "a frame's checksum",
      'skippable-size': 'a skippable frame',
      'skippable-body': 'a skippable frame'
    }
    throw new DecompressionError(`the zstd stream is truncated: it ends inside ${inside[this.state.at]}`, this.offset)
  }

  /** Copy bytes from `chunk` at `pos` until `scratch` holds `bytes`; whether it does. */
  private fill (chunk: Uint8Array, pos: number, bytes: number): boolean {
    const n = Math.min(bytes - this.filled, chunk.length - pos)
    this.scratch.set(chunk.subarray(pos, pos + n), this.filled)
    this.filled += n
    this.offset += n
    this.consumed = pos + n
    return this.filled === bytes
  }

  private u32 (at: number): number {
    return (this.scratch[at]! | (this.scratch[at + 1]! << 8) | (this.scratch[at + 2]! << 16) | (this.scratch[at + 3]! << 24)) >>> 0
  }

  /** The frame header in `scratch` is whole: check it and start decoding the frame. */
  private openFrame (): void {
    const h = this.scratch
    const descriptor = h[4]!
    const singleSegment = (descriptor & 0x20) !== 0
    if ((descriptor & 0x08) !== 0) throw this.corrupt('a frame header with its reserved bit set', this.start)
    let at = 5
    let windowBytes = 0
    if (!singleSegment) {
      const exponent = h[at]! >> 3
      const base = 2 ** (10 + exponent)
      windowBytes = base + (base / 8) * (h[at]! & 7)
      at++
    }
    const dictionaryIdBytes = [0, 1, 2, 4][descriptor & 3]!
    let dictionaryId = 0
    for (let i = 0; i < dictionaryIdBytes; i++) dictionaryId += h[at + i]! * 2 ** (8 * i)
    at += dictionaryIdBytes
    if (dictionaryId !== 0) throw this.corrupt(`a frame that needs dictionary ${dictionaryId}`, this.start)
    const sizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][descriptor >> 6]!
    let contentBytes: number | undefined
    if (sizeBytes > 0) {
      contentBytes = 0
      for (let i = 0; i < sizeBytes; i++) contentBytes += h[at + i]! * 2 ** (8 * i)
      if (sizeBytes === 2) contentBytes += 256
    }
    if (singleSegment) windowBytes = contentBytes!
    if (windowBytes > ZSTD_MAX_WINDOW_BYTES) {
      throw this.corrupt(`a frame that needs a ${windowBytes} byte window, more than the ${ZSTD_MAX_WINDOW_BYTES} allowed (ZSTD_MAX_WINDOW_BYTES)`, this.start)
    }
    const frame: Frame = {
      offset: this.start,
      windowBytes,
      blockMaxBytes: Math.min(windowBytes, BLOCK_MAX_BYTES),
      ...(contentBytes != null ? { contentBytes } : {}),
      decoder: new Decompress((data) => {
        if (data.length === 0) return
        frame.produced += data.length
        this.produced += data.length
        frame.hash?.update(data)
        this.output.push(data)
      }),
      hash: (descriptor & 0x04) !== 0 ? this.xxh.create64(0n) : undefined,
      produced: 0
    }
    this.frame = frame
    this.windowCopied += windowBytes // fzstd allocates it
    this.push(h.slice(0, this.filled), false)
    this.filled = 0
    this.state = { at: 'block-header' }
  }

  private blockEnd (last: boolean): void {
    const frame = this.frame!
    this.windowCopied += frame.windowBytes
    if (this.windowCopied > ZSTD_MAX_WINDOW_COPY_RATIO * this.produced + ZSTD_WINDOW_COPY_ALLOWANCE_BYTES) {
      throw this.corrupt(`too many blocks for what they decompress to (${this.produced} bytes so far, in ${frame.windowBytes} byte windows)`, this.start)
    }
    if (!last) {
      this.state = { at: 'block-header' }
    } else if (frame.hash != null) {
      this.start = this.offset
      this.state = { at: 'checksum' }
    } else {
      this.closeFrame(undefined)
    }
  }

  /** The frame's last block (and checksum) is in: flush fzstd and check what came out. */
  private closeFrame (checksum: number | undefined): void {
    const frame = this.frame!
    if (checksum != null) this.push(this.scratch.slice(0, 4), false)
    this.push(EMPTY, true)
    if (frame.contentBytes != null && frame.produced !== frame.contentBytes) {
      throw this.corrupt(`the frame decompressed to ${frame.produced} bytes, but declares ${frame.contentBytes}`, frame.offset)
    }
    if (checksum != null && frame.hash != null) {
      const actual = Number(frame.hash.digest() & 0xffffffffn)
      if (actual !== checksum) throw this.corrupt(`the frame's checksum does not match its contents (0x${checksum.toString(16)} given, 0x${actual.toString(16)} computed)`, frame.offset)
    }
    this.frame = undefined
    this.filled = 0
    this.state = { at: 'magic' }
  }

  private push (bytes: Uint8Array, final: boolean): void {
    try {
      this.frame!.decoder.push(bytes, final)
    } catch (err) {
      throw this.corrupt(`fzstd: ${err instanceof Error ? err.message : String(err)}`, this.start, err)
    }
  }

  private corrupt (what: string, offset: number, cause?: unknown): DecompressionError {
    return new DecompressionError(`the zstd stream is corrupt: ${what}`, offset, cause != null ? { cause } : undefined)
  }
}

/** Bytes of a frame header after its descriptor (`descriptor` is that byte): window, dictionary id, content size. */
function frameHeaderRest (descriptor: number): number {
  const singleSegment = (descriptor & 0x20) !== 0
  return (singleSegment ? 0 : 1) + [0, 1, 2, 4][descriptor & 3]! + [singleSegment ? 1 : 0, 2, 4, 8][descriptor >> 6]!
}
