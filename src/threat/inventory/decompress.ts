/**
 * Recognise a layer's compression by its magic bytes and undo it, streaming:
 * gzip through `node:zlib` (concatenated members too); zstd through fzstd,
 * with the frame structure checked here (`zstd.ts`: several frames,
 * skippable ones, a capped window); an uncompressed tar passes through
 * untouched; xz and bzip2 are recognised and refused with
 * `UnsupportedCompressionError`. Nothing here holds more than a few chunks
 * (and, for zstd, one frame's window).
 */
import { Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import { INFLATE_CHUNK_BYTES, MAGIC_SNIFF_BYTES } from './constants.js'
import { DecompressionError, UnsupportedCompressionError } from './errors.js'
import { unzstd } from './zstd.js'

export type Compression = 'none' | 'gzip' | 'zstd' | 'xz' | 'bzip2'

/** Magic bytes, each compared after and-ing with `mask` (all bits when none). */
const MAGIC: Array<{ compression: Compression, bytes: number[], mask?: number[] }> = [
  { compression: 'gzip', bytes: [0x1f, 0x8b] },
  { compression: 'zstd', bytes: [0x28, 0xb5, 0x2f, 0xfd] },
  // A zstd stream may open with a skippable frame (magic 0x184D2A50 to 0x184D2A5F); a tar can't (0x18 in a file name).
  { compression: 'zstd', bytes: [0x50, 0x2a, 0x4d, 0x18], mask: [0xf0, 0xff, 0xff, 0xff] },
  { compression: 'xz', bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00] },
  // "BZh" and a block size digit: a tar can't start so (its first byte would be a file name's).
  { compression: 'bzip2', bytes: [0x42, 0x5a, 0x68] }
]

/** The compression the first bytes of a layer announce. */
export function detectCompression (head: Uint8Array): Compression {
  for (const { compression, bytes, mask } of MAGIC) {
    if (head.length >= bytes.length && bytes.every((b, i) => (head[i]! & (mask?.[i] ?? 0xff)) === b)) {
      if (compression === 'bzip2' && !(head.length > 3 && head[3]! >= 0x31 && head[3]! <= 0x39)) continue
      return compression
    }
  }
  return 'none'
}

/** The tar bytes of a layer, decompressed if it is gzip or zstd. */
export async function * decompress (source: AsyncIterable<Uint8Array>, options: { signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array, void, undefined> {
  const iterator = source[Symbol.asyncIterator]()
  const counter = { bytes: 0 }
  try {
    const head: Uint8Array[] = []
    let headBytes = 0
    let ended = false
    while (headBytes < MAGIC_SNIFF_BYTES) {
      options.signal?.throwIfAborted()
      const { value, done } = await iterator.next()
      if (done === true) {
        ended = true
        break
      }
      head.push(value)
      headBytes += value.length
    }
    const compression = detectCompression(Buffer.concat(head))
    if (compression === 'xz' || compression === 'bzip2') throw new UnsupportedCompressionError(compression)
    const raw = rejoin(head, ended ? undefined : iterator, counter)
    if (compression === 'none') {
      yield * raw
    } else if (compression === 'gzip') {
      yield * gunzip(raw, counter)
    } else {
      yield * unzstd(raw)
    }
  } finally {
    // Not awaited: when the tar ends early, the inflater's read-ahead may have a
    // read of the source pending, and a source that stalls must not hold the
    // caller up (its return is queued behind that read). Its errors are moot.
    iterator.return?.()?.catch(() => {})
  }
}

/** The sniffed chunks, then the rest of the source, counting bytes as they pass. */
async function * rejoin (head: Uint8Array[], rest: AsyncIterator<Uint8Array> | undefined, counter: { bytes: number }): AsyncGenerator<Uint8Array, void, undefined> {
  for (const chunk of head) {
    counter.bytes += chunk.length
    yield chunk
  }
  if (rest == null) return
  while (true) {
    const { value, done } = await rest.next()
    if (done === true) return
    counter.bytes += value.length
    yield value
  }
}

async function * gunzip (input: AsyncIterable<Uint8Array>, counter: { bytes: number }): AsyncGenerator<Uint8Array, void, undefined> {
  const inflater = createGunzip({ chunkSize: INFLATE_CHUNK_BYTES })
  const readable = Readable.from(input, { objectMode: false })
  readable.once('error', (err) => inflater.destroy(err))
  readable.pipe(inflater)
  try {
    for await (const chunk of inflater) yield chunk as Buffer
  } catch (err) {
    if (isZlibError(err)) {
      throw new DecompressionError(`the gzip stream is truncated or corrupt: ${err.message}`, counter.bytes, { cause: err })
    }
    throw err
  } finally {
    readable.unpipe(inflater)
    readable.destroy()
    inflater.destroy()
  }
}

function isZlibError (err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code
  return err instanceof Error && typeof code === 'string' && code.startsWith('Z_')
}
