/**
 * zstd streams written by hand (RFC 8878), for tests that must not depend on
 * the `zstd` CLI and for streams no encoder would write: frames of raw and
 * RLE blocks, any window, with or without content size and checksum,
 * skippable frames, and the `zstd` CLI itself when it is there.
 */
import { spawnSync } from 'node:child_process'
import xxhash from 'xxhash-wasm'
import { which } from '../../utils/system.js'

export const ZSTD_BLOCK_MAX = 128 * 1024

export interface FrameHeaderSpec {
  /** log2 of the window, 10 to 41; ignored with `singleSegment`. @default 20 (1 MiB) */
  windowLog?: number
  singleSegment?: boolean
  /** Declared in the header when given (required with `singleSegment`). */
  contentSize?: number
  checksum?: boolean
  dictionaryId?: number
  /** Set the reserved bit. */
  reserved?: boolean
}

function le (value: number, bytes: number): Buffer {
  const out = Buffer.alloc(bytes)
  for (let i = 0; i < bytes; i++) out[i] = Math.floor(value / 2 ** (8 * i)) & 0xff
  return out
}

export function frameHeader (spec: FrameHeaderSpec = {}): Buffer {
  const single = spec.singleSegment === true
  const size = spec.contentSize
  let fcsFlag = 0
  let fcs: Buffer = Buffer.alloc(0)
  if (size != null) {
    if (single && size < 256) { fcsFlag = 0; fcs = le(size, 1) } else if (size >= 256 && size < 65536 + 256) { fcsFlag = 1; fcs = le(size - 256, 2) } else if (size < 2 ** 32) { fcsFlag = 2; fcs = le(size, 4) } else { fcsFlag = 3; fcs = le(size, 8) }
  } else if (single) {
    throw new Error('a single-segment frame needs a content size')
  }
  const did = spec.dictionaryId ?? 0
  const didFlag = did === 0 ? 0 : did < 256 ? 1 : did < 65536 ? 2 : 3
  const descriptor = (fcsFlag << 6) | (single ? 0x20 : 0) | (spec.reserved === true ? 0x08 : 0) | (spec.checksum === true ? 0x04 : 0) | didFlag
  return Buffer.concat([
    le(0xfd2fb528, 4),
    Buffer.from([descriptor]),
    single ? Buffer.alloc(0) : Buffer.from([((spec.windowLog ?? 20) - 10) << 3]),
    didFlag === 0 ? Buffer.alloc(0) : le(did, [0, 1, 2, 4][didFlag]!),
    fcs
  ])
}

/** A block: raw (its bytes), RLE (`size` copies of one byte), or any header at all (`type` 2 and 3 with a body as given). */
export function block (type: 0 | 1 | 2 | 3, last: boolean, body: Uint8Array, size = type === 1 ? 0 : body.length): Buffer {
  const header = (last ? 1 : 0) | (type << 1) | (size << 3)
  return Buffer.concat([le(header, 3), body])
}

export function rleBlock (byte: number, size: number, last: boolean): Buffer {
  return block(1, last, Buffer.from([byte]), size)
}

/** The frame's content checksum: XXH64's low 32 bits, little-endian. */
export async function contentChecksum (data: Uint8Array): Promise<Buffer> {
  const { h64Raw } = await xxhash()
  return le(Number(h64Raw(data) & 0xffffffffn), 4)
}

/** `data` as one frame of raw blocks. */
export async function storedFrame (data: Uint8Array, spec: FrameHeaderSpec & { blockBytes?: number, withContentSize?: boolean } = {}): Promise<Buffer> {
  const blockBytes = spec.blockBytes ?? ZSTD_BLOCK_MAX
  const header = frameHeader({ ...spec, ...(spec.withContentSize === true || spec.singleSegment === true ? { contentSize: data.length } : {}) })
  const blocks: Buffer[] = []
  for (let at = 0; at < data.length || blocks.length === 0; at += blockBytes) {
    const piece = data.subarray(at, at + blockBytes)
    blocks.push(block(0, at + blockBytes >= data.length, piece))
  }
  return Buffer.concat([header, ...blocks, spec.checksum === true ? await contentChecksum(data) : Buffer.alloc(0)])
}

export function skippableFrame (size: number, magicLow = 0): Buffer {
  return Buffer.concat([le(0x184d2a50 + magicLow, 4), le(size, 4), Buffer.alloc(size, 0x5a)])
}

export const ZSTD_CLI = which('zstd')

/** `data` compressed by the `zstd` CLI with `args` (needs `ZSTD_CLI`). */
export function zstdCli (data: Uint8Array, args: string[] = []): Buffer {
  if (ZSTD_CLI == null) throw new Error('no zstd on PATH')
  const run = spawnSync(ZSTD_CLI, ['-q', '-c', ...args], { input: data, maxBuffer: 1024 * 1024 * 1024 })
  if (run.status !== 0) throw new Error(`zstd ${args.join(' ')} failed: ${run.stderr.toString()}`)
  return run.stdout
}
