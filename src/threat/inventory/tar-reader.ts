/**
 * A streaming tar reader. It walks headers in order, folds the metadata
 * headers (PAX `x`, GNU long names `L` and long link names `K`) into the
 * entry they describe, and yields one `TarEntry` at a time whose body is a
 * view onto the stream: read it (or not) before asking for the next entry,
 * and whatever is left of it is skipped. Limits are checked before anything
 * is read into memory; the tar stops at the end-of-archive marker (or a clean
 * end of stream at a block boundary, as Go's archive/tar allows).
 */
import { ByteReader } from './byte-reader.js'
import { TAR_BLOCK_BYTES, TAR_MAX_META_HEADERS } from './constants.js'
import { decompress } from './decompress.js'
import { InventoryLimitError, TarFormatError } from './errors.js'
import { checkOptionNames, resolveLimits, type ResolvedLimits } from './limits.js'
import { normalizePath } from './path.js'
import { isZeroBlock, parseHeader, parsePaxRecords, type RawHeader } from './tar-header.js'
import type { ReadTarOptions, TarEntry, TarEntryType } from './index.js'

const utf8 = new TextDecoder('utf-8')

/** Typeflags whose size field is ignored: these entries never have a body (Go's isHeaderOnlyType). */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6'])

/** Where old GNU sparse headers, and their extension blocks, say another extension block follows. */
const GNU_SPARSE_IS_EXTENDED = 482
const GNU_SPARSE_EXTENSION_IS_EXTENDED = 504

/** Pending metadata for the next real entry. */
interface Meta {
  path?: string
  linkpath?: string
  size?: number
  sparse: boolean
  headers: number
}

export async function * readTar (source: AsyncIterable<Uint8Array>, options: ReadTarOptions = {}): AsyncGenerator<TarEntry, void, undefined> {
  checkOptionNames(options, ['signal', 'limits', 'decompress'], 'readTar')
  const limits = resolveLimits(options.limits)
  const input = options.decompress === false ? source : decompress(source, options.signal == null ? {} : { signal: options.signal })
  const reader = new ByteReader(input, { maxTotalBytes: limits.maxTotalBytes, ...(options.signal == null ? {} : { signal: options.signal }) })
  let meta: Meta = { sparse: false, headers: 0 }
  let entries = 0
  try {
    while (true) {
      const offset = reader.offset
      const block = await reader.readExact(TAR_BLOCK_BYTES, 'a header')
      if (block == null) return
      if (isZeroBlock(block)) {
        await endOfArchive(reader, meta)
        return
      }
      const header = parseHeader(block, offset)
      if (isMeta(header.typeflag)) {
        meta = await readMeta(reader, header, meta, limits, offset)
        continue
      }
      if (header.typeflag === 'S' && block[GNU_SPARSE_IS_EXTENDED] !== 0) await skipSparseExtensions(reader, limits, offset)
      if (++entries > limits.maxEntries) {
        throw new InventoryLimitError('maxEntries', limits.maxEntries, `the layer has more than ${limits.maxEntries} entries`)
      }
      const rawPath = meta.path ?? header.name
      const rawLink = meta.linkpath ?? header.linkname
      checkPathLength(rawPath, limits, offset)
      checkPathLength(rawLink, limits, offset)
      const dataBytes = HEADER_ONLY.has(header.typeflag) ? 0 : (meta.size ?? header.size)
      if (dataBytes > limits.maxTotalBytes) {
        throw new InventoryLimitError('maxTotalBytes', limits.maxTotalBytes, `entry "${rawPath}" claims ${dataBytes} bytes`)
      }
      const type = entryType(header, rawPath, meta.sparse)
      const body = new BodyState(reader, dataBytes)
      const entry: TarEntry = {
        path: normalizePath(rawPath),
        type,
        size: dataBytes,
        mode: header.mode & 0o7777,
        typeflag: header.typeflag,
        offset,
        body,
        skip: async () => { await body.skipRest() }
      }
      if (type === 'symlink' || type === 'hardlink') {
        entry.linkpath = type === 'hardlink' ? normalizePath(rawLink) : rawLink
      }
      meta = { sparse: false, headers: 0 }
      yield entry
      body.detach()
      await reader.skip(body.remaining + padding(dataBytes), 'an entry body')
    }
  } finally {
    await reader.close()
  }
}

/** After one zero block: a second (or a clean end) closes the archive; anything else is an error, as in Go. */
async function endOfArchive (reader: ByteReader, meta: Meta): Promise<void> {
  const offset = reader.offset
  if (meta.headers > 0) throw new TarFormatError('the archive ends after a metadata header with no entry', offset)
  const second = await reader.readExact(TAR_BLOCK_BYTES, 'the end-of-archive marker')
  if (second != null && !isZeroBlock(second)) {
    throw new TarFormatError('a header follows the end-of-archive zero block', offset)
  }
}

/**
 * Old GNU sparse files ('S') carry more of their sparse map in extra blocks
 * after the header, not counted in its size, each flagging whether another
 * follows. They are read past; the entry itself is reported as 'other'.
 */
async function skipSparseExtensions (reader: ByteReader, limits: ResolvedLimits, offset: number): Promise<void> {
  for (let blocks = 1; ; blocks++) {
    if (blocks * TAR_BLOCK_BYTES > limits.maxPaxHeaderBytes) {
      throw new InventoryLimitError('maxPaxHeaderBytes', limits.maxPaxHeaderBytes, `a GNU sparse map at tar byte offset ${offset} runs on`)
    }
    const extension = await reader.readExact(TAR_BLOCK_BYTES, 'a GNU sparse header')
    if (extension == null) throw new TarFormatError('the tar stream ends before a GNU sparse header', reader.offset)
    if (extension[GNU_SPARSE_EXTENSION_IS_EXTENDED] === 0) return
  }
}

function isMeta (typeflag: string): boolean {
  return typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K'
}

async function readMeta (reader: ByteReader, header: RawHeader, meta: Meta, limits: ResolvedLimits, offset: number): Promise<Meta> {
  if (meta.headers >= TAR_MAX_META_HEADERS) {
    throw new TarFormatError(`more than ${TAR_MAX_META_HEADERS} metadata headers in a row`, offset)
  }
  const max = header.typeflag === 'x' || header.typeflag === 'g' ? limits.maxPaxHeaderBytes : limits.maxPathBytes + 1
  if (header.size > max) {
    const limit = header.typeflag === 'x' || header.typeflag === 'g' ? 'maxPaxHeaderBytes' : 'maxPathBytes'
    throw new InventoryLimitError(limit, limit === 'maxPathBytes' ? limits.maxPathBytes : max, `a ${header.typeflag} header at tar byte offset ${offset} holds ${header.size} bytes`)
  }
  const body = header.size === 0 ? new Uint8Array(0) : await reader.readExact(header.size, 'a metadata header body')
  if (body == null) throw new TarFormatError('the tar stream ends inside a metadata header body', reader.offset)
  await reader.skip(padding(header.size), 'a metadata header body')
  const next: Meta = { ...meta, headers: meta.headers + 1 }
  switch (header.typeflag) {
    case 'L':
      next.path = cStringOf(body)
      break
    case 'K':
      next.linkpath = cStringOf(body)
      break
    case 'x': {
      const records = parsePaxRecords(body, offset)
      const path = records.get('path')
      if (path != null && path !== '') next.path = path
      const linkpath = records.get('linkpath')
      if (linkpath != null && linkpath !== '') next.linkpath = linkpath
      const size = records.get('size')
      if (size != null && size !== '') {
        if (!/^\d{1,16}$/.test(size) || !Number.isSafeInteger(Number(size))) {
          throw new TarFormatError(`PAX size "${size.slice(0, 32)}" is not a decimal number`, offset)
        }
        next.size = Number(size)
      }
      // PAX sparse files (GNU 1.0 format) keep a map, not the file, in their body.
      for (const key of records.keys()) {
        if (key.startsWith('GNU.sparse.')) next.sparse = true
      }
      break
    }
    // 'g' (global PAX) sets defaults no layer writer relies on for path or size: read past it.
  }
  return next
}

function entryType (header: RawHeader, rawPath: string, sparse: boolean): TarEntryType {
  if (sparse) return 'other'
  switch (header.typeflag) {
    case '0':
    case '7':
      // Pre-POSIX tars mark directories only by a trailing slash.
      return rawPath.endsWith('/') ? 'directory' : 'file'
    case '1': return 'hardlink'
    case '2': return 'symlink'
    case '5': return 'directory'
    default: return 'other'
  }
}

function checkPathLength (path: string, limits: ResolvedLimits, offset: number): void {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most paths need no counting.
  if (path.length * 3 > limits.maxPathBytes && Buffer.byteLength(path) > limits.maxPathBytes) {
    throw new InventoryLimitError('maxPathBytes', limits.maxPathBytes, `a path of ${Buffer.byteLength(path)} bytes at tar byte offset ${offset}`)
  }
}

function padding (size: number): number {
  const rest = size % TAR_BLOCK_BYTES
  return rest === 0 ? 0 : TAR_BLOCK_BYTES - rest
}

function cStringOf (body: Uint8Array): string {
  const nul = body.indexOf(0)
  return utf8.decode(nul < 0 ? body : body.subarray(0, nul))
}

/**
 * An entry's body: iterable once, and only while the entry is the current
 * one. It hands out views of the stream's chunks, so a reader that keeps
 * them must copy what it needs.
 */
class BodyState implements AsyncIterable<Uint8Array> {
  remaining: number
  readonly #reader: ByteReader
  #attached = true
  #started = false

  constructor (reader: ByteReader, size: number) {
    this.#reader = reader
    this.remaining = size
  }

  detach (): void {
    this.#attached = false
  }

  async skipRest (): Promise<void> {
    this.#check()
    const n = this.remaining
    this.remaining = 0
    await this.#reader.skip(n, 'an entry body')
  }

  async * [Symbol.asyncIterator] (): AsyncGenerator<Uint8Array, void, undefined> {
    if (this.#started) throw new Error('a tar entry body can be read only once')
    this.#started = true
    while (this.remaining > 0) {
      this.#check()
      const chunk = await this.#reader.readSome(this.remaining, 'an entry body')
      this.remaining -= chunk.length
      yield chunk
    }
  }

  #check (): void {
    if (!this.#attached) throw new Error('a tar entry body must be read before moving on to the next entry')
  }
}
