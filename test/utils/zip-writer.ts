/**
 * A small zip writer for tests and benchmarks: STORE or DEFLATE entries,
 * UTF-8 names, a ZIP64 end record when there are more than 65,535 entries
 * (OSV's all.zip has hundreds of thousands), and deliberate damage (a wrong
 * CRC-32). `zipBuffer` builds a zip in memory; `ZipFileWriter` streams one
 * to disk, keeping only the central directory (under 100 bytes an entry).
 */
import { open, type FileHandle } from 'node:fs/promises'
import { crc32, deflateRawSync } from 'node:zlib'

export interface ZipEntrySpec {
  name: string
  data: Uint8Array | string
  /** @default 'deflate' */
  method?: 'store' | 'deflate'
  /** Added to the stored CRC-32 (a damaged entry). */
  crcDelta?: number
}

const DOS_TIME = 0
const DOS_DATE = (2025 - 1980) << 9 | 1 << 5 | 1
const UTF8_NAMES = 0x0800

interface CentralEntry { name: Buffer, method: number, crc: number, compressed: number, size: number, offset: number }

function localHeader (e: CentralEntry): Buffer {
  const b = Buffer.alloc(30)
  b.writeUInt32LE(0x04034b50, 0)
  b.writeUInt16LE(20, 4)
  b.writeUInt16LE(UTF8_NAMES, 6)
  b.writeUInt16LE(e.method, 8)
  b.writeUInt16LE(DOS_TIME, 10)
  b.writeUInt16LE(DOS_DATE, 12)
  b.writeUInt32LE(e.crc, 14)
  b.writeUInt32LE(e.compressed, 18)
  b.writeUInt32LE(e.size, 22)
  b.writeUInt16LE(e.name.length, 26)
  b.writeUInt16LE(0, 28)
  return Buffer.concat([b, e.name])
}

function centralHeader (e: CentralEntry): Buffer {
  const b = Buffer.alloc(46)
  b.writeUInt32LE(0x02014b50, 0)
  b.writeUInt16LE(20, 4)
  b.writeUInt16LE(20, 6)
  b.writeUInt16LE(UTF8_NAMES, 8)
  b.writeUInt16LE(e.method, 10)
  b.writeUInt16LE(DOS_TIME, 12)
  b.writeUInt16LE(DOS_DATE, 14)
  b.writeUInt32LE(e.crc, 16)
  b.writeUInt32LE(e.compressed, 20)
  b.writeUInt32LE(e.size, 24)
  b.writeUInt16LE(e.name.length, 28)
  b.writeUInt32LE(e.offset, 42)
  return Buffer.concat([b, e.name])
}

function endRecords (count: number, cdOffset: number, cdSize: number, forceZip64 = false): Buffer {
  const parts: Buffer[] = []
  const zip64 = forceZip64 || count > 0xffff
  if (zip64) {
    const r = Buffer.alloc(56)
    r.writeUInt32LE(0x06064b50, 0)
    r.writeBigUInt64LE(44n, 4)
    r.writeUInt16LE(45, 12)
    r.writeUInt16LE(45, 14)
    r.writeBigUInt64LE(BigInt(count), 24)
    r.writeBigUInt64LE(BigInt(count), 32)
    r.writeBigUInt64LE(BigInt(cdSize), 40)
    r.writeBigUInt64LE(BigInt(cdOffset), 48)
    const l = Buffer.alloc(20)
    l.writeUInt32LE(0x07064b50, 0)
    l.writeBigUInt64LE(BigInt(cdOffset + cdSize), 8)
    l.writeUInt32LE(1, 16)
    parts.push(r, l)
  }
  const e = Buffer.alloc(22)
  e.writeUInt32LE(0x06054b50, 0)
  e.writeUInt16LE(zip64 ? 0xffff : count, 8)
  e.writeUInt16LE(zip64 ? 0xffff : count, 10)
  e.writeUInt32LE(cdSize, 12)
  e.writeUInt32LE(cdOffset, 16)
  parts.push(e)
  return Buffer.concat(parts)
}

function encode (spec: ZipEntrySpec, offset: number): { central: CentralEntry, bytes: Buffer } {
  const data = typeof spec.data === 'string' ? Buffer.from(spec.data) : Buffer.from(spec.data)
  const method = spec.method === 'store' ? 0 : 8
  const body = method === 0 ? data : deflateRawSync(data)
  const central = { name: Buffer.from(spec.name), method, crc: (crc32(data) + (spec.crcDelta ?? 0)) >>> 0, compressed: body.length, size: data.length, offset }
  return { central, bytes: Buffer.concat([localHeader(central), body]) }
}

/** A whole zip; `zip64` writes the ZIP64 end records even for a few entries (as for more than 65,535). */
export function zipBuffer (entries: ZipEntrySpec[], options: { zip64?: boolean } = {}): Buffer {
  const parts: Buffer[] = []
  const central: CentralEntry[] = []
  let offset = 0
  for (const spec of entries) {
    const e = encode(spec, offset)
    parts.push(e.bytes)
    central.push(e.central)
    offset += e.bytes.length
  }
  const cd = Buffer.concat(central.map(centralHeader))
  return Buffer.concat([...parts, cd, endRecords(central.length, offset, cd.length, options.zip64)])
}

export class ZipFileWriter {
  readonly #central: CentralEntry[] = []
  #offset = 0

  private constructor (private readonly fh: FileHandle) {}

  static async create (path: string): Promise<ZipFileWriter> {
    return new ZipFileWriter(await open(path, 'w'))
  }

  async add (spec: ZipEntrySpec): Promise<void> {
    const e = encode(spec, this.#offset)
    await this.fh.write(e.bytes)
    this.#central.push(e.central)
    this.#offset += e.bytes.length
  }

  async close (): Promise<void> {
    try {
      const cd = Buffer.concat(this.#central.map(centralHeader))
      await this.fh.write(Buffer.concat([cd, endRecords(this.#central.length, this.#offset, cd.length)]))
    } finally {
      await this.fh.close()
    }
  }
}
