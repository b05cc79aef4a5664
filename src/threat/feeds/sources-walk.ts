/**
 * OSV directories (a checkout of an advisory database, an unpacked export):
 * every `*.json` file below the directory, walked with a stack of open
 * directories rather than a listing of the whole tree. Hidden entries
 * (`.git`) and symbolic links are not followed. The fingerprint lets an
 * update skip a directory in which no file was added, removed, resized or
 * touched, without reading any of them.
 */
import { opendir, stat } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { join, relative } from 'node:path'
import { MAX_DIRECTORY_DEPTH, MAX_DIRECTORY_FILES } from './constants.js'
import { FeedLimitError } from './errors.js'

export interface WalkedFile {
  path: string
  /** Relative to the walked directory, `/`-separated. */
  relative: string
  sizeBytes: number
  mtimeMs: number
}

export async function * walkJsonFiles (root: string, signal?: AbortSignal): AsyncGenerator<WalkedFile> {
  const stack: Array<{ dir: string, depth: number }> = [{ dir: root, depth: 0 }]
  let files = 0
  while (stack.length > 0) {
    const { dir, depth } = stack.pop() as { dir: string, depth: number }
    for await (const d of await opendir(dir)) {
      signal?.throwIfAborted()
      if (d.name.startsWith('.')) continue
      const path = join(dir, d.name)
      if (d.isDirectory()) {
        if (depth + 1 > MAX_DIRECTORY_DEPTH) throw new FeedLimitError(root, `MAX_DIRECTORY_DEPTH ${MAX_DIRECTORY_DEPTH}`, `${path} is nested too deep`)
        stack.push({ dir: path, depth: depth + 1 })
      } else if (d.isFile() && d.name.toLowerCase().endsWith('.json')) {
        if (++files > MAX_DIRECTORY_FILES) throw new FeedLimitError(root, `MAX_DIRECTORY_FILES ${MAX_DIRECTORY_FILES}`, 'too many JSON files')
        const s = await stat(path)
        yield { path, relative: relative(root, path).split('\\').join('/'), sizeBytes: s.size, mtimeMs: s.mtimeMs }
      }
    }
  }
}

/** Order-independent digest of every JSON file's relative path, size and mtime. */
export async function directoryFingerprint (root: string, signal?: AbortSignal): Promise<string> {
  const MASK = (1n << 64n) - 1n
  let sum = 0n
  let count = 0
  for await (const f of walkJsonFiles(root, signal)) {
    const h = createHash('sha256').update(`${f.relative}\u0000${f.sizeBytes}\u0000${f.mtimeMs}`).digest()
    sum = (sum + h.readBigUInt64BE(0)) & MASK
    count++
  }
  return `${count}:${sum.toString(16)}`
}
