/** Shared bits of the inventory tests: collecting a tar's entries, and catching a typed error. */
import { readTar, type ReadTarOptions, type TarEntryType } from '../../../src/threat/inventory/index.js'

export interface ReadEntry {
  path: string
  type: TarEntryType
  typeflag: string
  size: number
  mode: number
  linkpath?: string
  body: string
}

/** Every entry of a tar, bodies read as UTF-8. */
export async function readAll (source: AsyncIterable<Uint8Array>, options: ReadTarOptions = {}): Promise<ReadEntry[]> {
  const out: ReadEntry[] = []
  for await (const entry of readTar(source, options)) {
    const parts: Buffer[] = []
    for await (const chunk of entry.body) parts.push(Buffer.from(chunk))
    const read: ReadEntry = { path: entry.path, type: entry.type, typeflag: entry.typeflag, size: entry.size, mode: entry.mode, body: Buffer.concat(parts).toString('utf8') }
    if (entry.linkpath !== undefined) read.linkpath = entry.linkpath
    out.push(read)
  }
  return out
}

/** The error `promise` rejects with (fails the caller's assertion if it resolves). */
export async function caught (promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise
  } catch (err) {
    return err as Error & Record<string, unknown>
  }
  return new Error('expected a rejection, but it resolved') as Error & Record<string, unknown>
}
