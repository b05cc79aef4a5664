/** Reading a local feed file whole, within a limit, or just its first bytes (to tell its kind). */
import { open } from 'node:fs/promises'
import { FeedLimitError } from './errors.js'

/** The file's bytes; a file over `maxBytes` is refused before it is read. */
export async function readBounded (path: string, source: string, maxBytes: number, limitName: string): Promise<Buffer> {
  const fh = await open(path, 'r')
  try {
    const { size } = await fh.stat()
    if (size > maxBytes) throw new FeedLimitError(source, `${limitName} ${maxBytes}`, `the file is ${size} bytes`)
    return await fh.readFile()
  } finally {
    await fh.close()
  }
}

export async function readHead (path: string, bytes: number): Promise<Buffer> {
  const fh = await open(path, 'r')
  try {
    const buf = Buffer.alloc(bytes)
    const { bytesRead } = await fh.read(buf, 0, bytes, 0)
    return buf.subarray(0, bytesRead)
  } finally {
    await fh.close()
  }
}
