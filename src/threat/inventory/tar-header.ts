/**
 * One tar header block, decoded: ustar (with its name prefix), GNU (magic
 * "ustar  ", base-256 sizes) and old v7 headers, checksum verified. PAX
 * records are decoded here too. Nothing is trusted: every number is checked
 * and a bad one is a `TarFormatError` naming the header's offset.
 */
import { TAR_BLOCK_BYTES } from './constants.js'
import { TarFormatError } from './errors.js'

export interface RawHeader {
  name: string
  mode: number
  size: number
  typeflag: string
  linkname: string
}

const utf8 = new TextDecoder('utf-8')

/** True for an all-zero block, tar's end-of-archive marker. */
export function isZeroBlock (block: Uint8Array): boolean {
  for (let i = 0; i < block.length; i++) {
    if (block[i] !== 0) return false
  }
  return true
}

export function parseHeader (block: Uint8Array, offset: number): RawHeader {
  verifyChecksum(block, offset)
  const magic = ascii(block, 257, 6)
  let name = cString(block, 0, 100)
  // Only POSIX ustar has the name prefix; GNU puts access and change times there.
  if (magic === 'ustar\0') {
    const prefix = cString(block, 345, 155)
    if (prefix !== '') name = `${prefix}/${name}`
  }
  const typeByte = block[156]!
  return {
    name,
    mode: parseNumber(block, 100, 8, 'mode', offset),
    size: parseNumber(block, 124, 12, 'size', offset),
    typeflag: typeByte === 0 ? '0' : String.fromCharCode(typeByte),
    linkname: cString(block, 157, 100)
  }
}

function verifyChecksum (block: Uint8Array, offset: number): void {
  const stored = parseOctal(block, 148, 8)
  if (stored === undefined) {
    throw new TarFormatError('the tar header checksum field is not an octal number', offset)
  }
  // The checksum is the sum of the header's bytes with its own field taken as
  // spaces. Some old tars summed signed bytes; both are accepted, as GNU tar does.
  let unsigned = 8 * 0x20
  let signed = 8 * 0x20
  for (let i = 0; i < TAR_BLOCK_BYTES; i++) {
    if (i >= 148 && i < 156) continue
    const b = block[i]!
    unsigned += b
    signed += b > 127 ? b - 256 : b
  }
  if (stored !== unsigned && stored !== signed) {
    throw new TarFormatError(`tar header checksum mismatch: stored ${stored}, computed ${unsigned}`, offset)
  }
}

/**
 * A numeric field: octal digits, optionally space-padded and NUL- or
 * space-terminated, or GNU's base-256 (first byte's high bit set) for values
 * that do not fit.
 */
function parseNumber (block: Uint8Array, start: number, length: number, field: string, offset: number): number {
  const first = block[start]!
  if ((first & 0x80) !== 0) {
    if ((first & 0x40) !== 0) throw new TarFormatError(`tar header ${field} is a negative base-256 number`, offset)
    let value = first & 0x3f
    for (let i = start + 1; i < start + length; i++) {
      value = value * 256 + block[i]!
      if (!Number.isSafeInteger(value)) throw new TarFormatError(`tar header ${field} is too large`, offset)
    }
    return value
  }
  const value = parseOctal(block, start, length)
  if (value === undefined) throw new TarFormatError(`tar header ${field} is not an octal number`, offset)
  return value
}

/** Octal digits between optional leading spaces and a NUL/space terminator; empty is 0; anything else undefined. */
function parseOctal (block: Uint8Array, start: number, length: number): number | undefined {
  let i = start
  const end = start + length
  while (i < end && block[i] === 0x20) i++
  let value = 0
  let digits = 0
  for (; i < end; i++) {
    const b = block[i]!
    if (b >= 0x30 && b <= 0x37) {
      value = value * 8 + (b - 0x30)
      digits++
      continue
    }
    if (b === 0 || b === 0x20) break
    return undefined
  }
  // After the terminator only NULs and spaces may follow.
  for (; i < end; i++) {
    const b = block[i]!
    if (b !== 0 && b !== 0x20) return undefined
  }
  return digits === 0 ? 0 : value
}

function cString (block: Uint8Array, start: number, length: number): string {
  let end = start
  while (end < start + length && block[end] !== 0) end++
  return utf8.decode(block.subarray(start, end))
}

function ascii (block: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...block.subarray(start, start + length))
}

/**
 * PAX extended header records, `"<len> <key>=<value>\n"` where `len` counts
 * the whole record. Later records of the same key win.
 */
export function parsePaxRecords (body: Uint8Array, offset: number): Map<string, string> {
  const records = new Map<string, string>()
  let pos = 0
  while (pos < body.length) {
    // Some writers pad the body with NULs after the last record.
    if (body[pos] === 0) break
    let space = pos
    while (space < body.length && body[space]! >= 0x30 && body[space]! <= 0x39) space++
    if (space === pos || space >= body.length || body[space] !== 0x20 || space - pos > 10) {
      throw new TarFormatError('malformed PAX record length', offset)
    }
    const length = Number(utf8.decode(body.subarray(pos, space)))
    const end = pos + length
    if (length <= space - pos + 1 || end > body.length || body[end - 1] !== 0x0a) {
      throw new TarFormatError('malformed PAX record (length does not match a record ending in a newline)', offset)
    }
    const record = body.subarray(space + 1, end - 1)
    const eq = record.indexOf(0x3d)
    if (eq <= 0) throw new TarFormatError('malformed PAX record (no key=value)', offset)
    records.set(utf8.decode(record.subarray(0, eq)), utf8.decode(record.subarray(eq + 1)))
    pos = end
  }
  return records
}
