/**
 * OSV's per-ecosystem export (`<ECOSYSTEM>/all.zip`: one `<id>.json` per
 * record), read entry by entry with yauzl from the file on disk: only one
 * entry at a time is in memory, never the zip (yauzl walks the central
 * directory lazily; `sources-zip-reader.ts` serves its reads). The entry
 * count is checked against MAX_ZIP_ENTRIES before anything is read; an
 * entry declaring more than MAX_RECORD_BYTES is skipped, and an entry must
 * inflate to exactly the size it declares (so a zip bomb stops at the
 * limit). yauzl does not check CRC-32s; this does, so a damaged entry
 * fails the read instead of becoming a wrong record.
 */
import yauzl from 'yauzl'
import { crc32, inflateRawSync } from 'node:zlib'
import { MAX_RECORD_BYTES, MAX_ZIP_ENTRIES } from './constants.js'
import { FeedLimitError, FeedSourceError } from './errors.js'
import { WindowedFileReader } from './sources-zip-reader.js'

const STORED = 0
const DEFLATED = 8

export type ZipItem = { name: string, data: Buffer } | { name: string, skipped: string }

export async function * zipJsonEntries (path: string, source: string, signal?: AbortSignal): AsyncGenerator<ZipItem> {
  const reader = await WindowedFileReader.open(path)
  let zip: yauzl.ZipFile
  try {
    zip = await yauzl.fromRandomAccessReaderPromise(reader, reader.sizeBytes, { autoClose: true, lazyEntries: true, validateEntrySizes: true, strictFileNames: false })
  } catch (err) {
    reader.close(() => {})
    throw new FeedSourceError(source, `not a readable zip (truncated or damaged?): ${(err as Error).message}`, { cause: err })
  }
  try {
    if (zip.entryCount > MAX_ZIP_ENTRIES) throw new FeedLimitError(source, `MAX_ZIP_ENTRIES ${MAX_ZIP_ENTRIES}`, `the zip has ${zip.entryCount} entries`)
    for await (const entry of zip.eachEntry()) {
      signal?.throwIfAborted()
      const name = entry.fileName
      if (name.endsWith('/') || !name.toLowerCase().endsWith('.json')) continue
      if (entry.uncompressedSize > MAX_RECORD_BYTES) {
        yield { name, skipped: `${entry.uncompressedSize} bytes, over MAX_RECORD_BYTES ${MAX_RECORD_BYTES}` }
        continue
      }
      if (entry.isEncrypted() || (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED)) {
        yield { name, skipped: `compression method ${entry.compressionMethod} or encryption not supported` }
        continue
      }
      const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true })
      yield { name, data: inflate(name, entry, await reader.range(fileDataStart, entry.compressedSize)) }
    }
  } catch (err) {
    if (signal?.aborted === true) throw signal.reason
    if ((err as Error).name === 'FeedLimitError') throw err
    throw new FeedSourceError(source, `the zip could not be read (truncated or damaged?): ${(err as Error).message}`, { cause: err })
  } finally {
    zip.close()
  }
}

/** The entry's bytes, checked against its declared size and CRC-32; `raw` is only valid until the next read. */
function inflate (name: string, entry: yauzl.Entry, raw: Buffer): Buffer {
  if (raw.length < entry.compressedSize) throw new Error(`entry ${name} is cut short (the file ends inside it)`)
  const data = entry.compressionMethod === STORED ? Buffer.from(raw) : inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) })
  if (data.length !== entry.uncompressedSize) throw new Error(`entry ${name} inflates to ${data.length} bytes, not the ${entry.uncompressedSize} it declares`)
  if (crc32(data) !== entry.crc32) throw new Error(`entry ${name} is damaged: its CRC-32 does not match`)
  return data
}
