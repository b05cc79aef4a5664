/**
 * A small tar writer for the inventory tests: ustar headers with a correct
 * checksum, long names as PAX records, GNU `L`/`K` headers or a ustar
 * prefix, any typeflag, and deliberate damage (a wrong checksum, a size that
 * lies). `tarStream` writes a layer lazily, for streams too big to hold.
 */
import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { createGzip, gzipSync } from 'node:zlib'

export const BLOCK = 512

export interface TarSpec {
  path: string
  /** A typeflag or a name for one. @default 'file' */
  type?: 'file' | 'dir' | 'symlink' | 'hardlink' | 'fifo' | string
  body?: Uint8Array | string
  mode?: number
  linkpath?: string
  /** How a name over 100 bytes is written. @default 'pax' */
  longNames?: 'pax' | 'gnu' | 'ustar-prefix'
  /** Extra PAX records. */
  pax?: Record<string, string>
  /** Header size field, when it should not match the body. */
  headerSize?: number
  /** Add this to the stored checksum (a corrupt header). */
  checksumDelta?: number
}

const TYPEFLAGS: Record<string, string> = { file: '0', dir: '5', symlink: '2', hardlink: '1', fifo: '6' }

export interface HeaderFields {
  name: string
  mode?: number
  size: number
  typeflag: string
  linkname?: string
  prefix?: string
  magic?: 'ustar' | 'gnu' | 'v7'
  checksumDelta?: number
}

export function header (fields: HeaderFields): Buffer {
  const block = Buffer.alloc(BLOCK)
  writeString(block, fields.name, 0, 100)
  writeOctal(block, fields.mode ?? 0o644, 100, 8)
  writeOctal(block, 0, 108, 8)
  writeOctal(block, 0, 116, 8)
  if (fields.size > 0o77777777777) {
    // GNU base-256
    block[124] = 0x80
    let v = BigInt(fields.size)
    for (let i = 135; i > 124; i--) {
      block[i] = Number(v & 0xffn)
      v >>= 8n
    }
  } else {
    writeOctal(block, fields.size, 124, 12)
  }
  writeOctal(block, 1_700_000_000, 136, 12)
  block.write(fields.typeflag, 156, 'latin1')
  writeString(block, fields.linkname ?? '', 157, 100)
  const magic = fields.magic ?? 'ustar'
  if (magic === 'ustar') block.write('ustar\u000000', 257, 'latin1')
  if (magic === 'gnu') block.write('ustar  \u0000', 257, 'latin1')
  if (fields.prefix !== undefined) writeString(block, fields.prefix, 345, 155)
  block.fill(0x20, 148, 156)
  let sum = 0
  for (const b of block) sum += b
  writeOctal(block, sum + (fields.checksumDelta ?? 0), 148, 7)
  block[155] = 0x20
  return block
}

function writeString (block: Buffer, value: string, offset: number, length: number): void {
  const bytes = Buffer.from(value)
  if (bytes.length > length) throw new Error(`"${value}" does not fit in ${length} bytes`)
  bytes.copy(block, offset)
}

function writeOctal (block: Buffer, value: number, offset: number, length: number): void {
  block.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, length, 'latin1')
}

export function padding (size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK)
}

export function paxBody (records: Record<string, string>): Buffer {
  const parts: Buffer[] = []
  for (const [key, value] of Object.entries(records)) {
    const rest = ` ${key}=${value}\n`
    let length = Buffer.byteLength(rest) + 1
    while (String(length).length + Buffer.byteLength(rest) !== length) length++
    parts.push(Buffer.from(`${length}${rest}`))
  }
  return Buffer.concat(parts)
}

/** The blocks of one entry: any metadata headers, its header, its padded body. */
export function entryBlocks (spec: TarSpec): Buffer[] {
  const body = typeof spec.body === 'string' ? Buffer.from(spec.body) : Buffer.from(spec.body ?? new Uint8Array(0))
  const typeflag = TYPEFLAGS[spec.type ?? 'file'] ?? spec.type!
  const blocks: Buffer[] = []
  let name = spec.path
  let linkname = spec.linkpath ?? ''
  let prefix: string | undefined
  const pax: Record<string, string> = { ...spec.pax }
  const longNames = spec.longNames ?? 'pax'
  if (Buffer.byteLength(name) > 100) {
    if (longNames === 'pax') {
      pax.path = name
      name = asciiPrefix(name)
    } else if (longNames === 'gnu') {
      blocks.push(...meta('L', Buffer.from(name + '\0'), 'gnu'))
      name = asciiPrefix(name)
    } else {
      const cut = name.lastIndexOf('/', 155)
      prefix = name.slice(0, cut)
      name = name.slice(cut + 1)
    }
  }
  if (Buffer.byteLength(linkname) > 100) {
    if (longNames === 'gnu') {
      blocks.push(...meta('K', Buffer.from(linkname + '\0'), 'gnu'))
    } else {
      pax.linkpath = linkname
    }
    linkname = asciiPrefix(linkname)
  }
  if (Object.keys(pax).length > 0) blocks.unshift(...meta('x', paxBody(pax), 'ustar'))
  const fields: HeaderFields = {
    name,
    mode: spec.mode ?? (typeflag === '5' ? 0o755 : 0o644),
    size: spec.headerSize ?? body.length,
    typeflag,
    linkname,
    magic: longNames === 'gnu' ? 'gnu' : 'ustar'
  }
  if (prefix !== undefined) fields.prefix = prefix
  if (spec.checksumDelta !== undefined) fields.checksumDelta = spec.checksumDelta
  blocks.push(header(fields), body, padding(body.length))
  return blocks
}

/** What goes in a header's 100-byte field when the real name is elsewhere. */
function asciiPrefix (name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '_').slice(0, 99)
}

function meta (typeflag: string, body: Buffer, magic: 'ustar' | 'gnu'): Buffer[] {
  return [header({ name: typeflag === 'x' ? 'PaxHeaders/entry' : '././@LongLink', size: body.length, typeflag, magic }), body, padding(body.length)]
}

export const END = Buffer.alloc(2 * BLOCK)

/** A whole tar in memory (small test layers only). */
export function tar (specs: TarSpec[], options: { end?: boolean } = {}): Buffer {
  return Buffer.concat([...specs.flatMap(entryBlocks), ...(options.end === false ? [] : [END])])
}

export function gzip (data: Uint8Array): Buffer {
  return gzipSync(data)
}

/** `data` as a stream of chunks of `size` bytes (odd sizes cross every block boundary). */
export async function * chunks (data: Uint8Array, size = 7919): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size)
}

export interface GeneratedFile {
  path: string
  size: number
  sha256: string
}

/**
 * A layer written on the fly: `files` entries of random contents (fresh
 * buffers per piece, nothing retained), then `extra` small entries. Records
 * each file's sha256 into `written` as it goes.
 */
export async function * randomLayer (files: Array<{ path: string, size: number }>, written: GeneratedFile[], extra: TarSpec[] = [], pieceBytes = 1024 * 1024): AsyncGenerator<Uint8Array> {
  for (const file of files) {
    yield header({ name: file.path, size: file.size, typeflag: '0' })
    const hash = createHash('sha256')
    for (let left = file.size; left > 0;) {
      const piece = randomBytes(Math.min(left, pieceBytes))
      hash.update(piece)
      left -= piece.length
      yield piece
    }
    yield padding(file.size)
    written.push({ path: file.path, size: file.size, sha256: hash.digest('hex') })
  }
  for (const spec of extra) yield * entryBlocks(spec)
  yield END
}

/** Gzip a stream as it goes. */
export function gzipStream (source: AsyncIterable<Uint8Array>, level = 1): AsyncIterable<Uint8Array> {
  return Readable.from(source, { objectMode: false }).pipe(createGzip({ level }))
}

export function sha256 (data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex')
}
