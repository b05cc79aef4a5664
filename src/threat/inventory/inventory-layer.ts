/**
 * One layer's inventory in one pass over its tar: every regular file hashed
 * as it streams by, the package databases and manifests among them (small
 * enough to parse) read into memory one at a time and parsed, whiteouts
 * noted. Within a layer a later entry at a path replaces an earlier one, as
 * unpacking would.
 */
import { createHash } from 'node:crypto'
import { catalogKind, parsePackages } from './catalog.js'
import { InventoryLimitError } from './errors.js'
import { checkOptionNames, resolveLimits } from './limits.js'
import { OS_RELEASE_PATHS, parseOsRelease } from './os-release.js'
import { basename, dirname, joinPath } from './path.js'
import { readTar } from './tar-reader.js'
import type { InventoryFile, InventoryOptions, InventoryPackage, LayerInventory, OsInfo, TarEntry } from './index.js'

const OPAQUE_MARKER = '.wh..wh..opq'
const WHITEOUT_PREFIX = '.wh.'
const AUFS_META_PREFIX = '.wh..wh.'
/** Typeflags of the special files a layer may legitimately hold: char and block devices, FIFOs. */
const SPECIAL_TYPEFLAGS = new Set(['3', '4', '6'])

export async function inventoryLayer (source: AsyncIterable<Uint8Array>, options: InventoryOptions = {}): Promise<LayerInventory> {
  checkOptionNames(options, ['signal', 'limits', 'logger'], 'inventoryLayer')
  const limits = resolveLimits(options.limits)
  const log = options.logger
  const files = new Map<string, InventoryFile>()
  const packages = new Map<string, InventoryPackage[]>()
  const others = new Set<string>()
  const osReleases = new Map<string, OsInfo>()
  const whiteouts: LayerInventory['whiteouts'] = { files: [], opaqueDirs: [] }
  const stats: LayerInventory['stats'] = { entries: 0, bytes: 0, skipped: 0 }
  let packageCount = 0

  const skip = (path: string, reason: string): void => {
    stats.skipped++
    log?.debug({ path, reason }, 'layer inventory skipped a file')
  }
  const forget = (path: string): void => {
    const old = files.get(path)
    if (old !== undefined) stats.bytes -= old.size
    files.delete(path)
    packageCount -= packages.get(path)?.length ?? 0
    packages.delete(path)
    others.delete(path)
    osReleases.delete(path)
  }

  const readFile = async (entry: TarEntry): Promise<void> => {
    const kind = catalogKind(entry.path)
    const parse = kind !== undefined && entry.size <= limits.maxParseBytes
    const hash = createHash('sha256')
    const parts: Buffer[] = []
    for await (const chunk of entry.body) {
      hash.update(chunk)
      // Body chunks are views of the stream: copy what is kept.
      if (parse) parts.push(Buffer.from(chunk))
    }
    files.set(entry.path, { path: entry.path, sha256: hash.digest('hex'), size: entry.size })
    stats.bytes += entry.size
    if (kind === undefined) return
    if (!parse) {
      skip(entry.path, `a ${kind} file of ${entry.size} bytes is over maxParseBytes (${limits.maxParseBytes}): hashed, not parsed`)
      return
    }
    const text = Buffer.concat(parts).toString('utf8')
    if (kind === 'os-release') {
      const os = parseOsRelease(text)
      if (os === undefined) skip(entry.path, 'os-release without an ID')
      else osReleases.set(entry.path, { ...os, path: entry.path })
      return
    }
    const found = parsePackages(kind, text)
    for (let i = 0; i < found.skipped; i++) skip(entry.path, `a ${kind} record without a name or version`)
    if (found.packages.length === 0) return
    packageCount += found.packages.length
    if (packageCount > limits.maxPackages) {
      throw new InventoryLimitError('maxPackages', limits.maxPackages, `the layer lists more than ${limits.maxPackages} packages`)
    }
    packages.set(entry.path, found.packages.map(p => ({ ...p, path: entry.path })))
  }

  for await (const entry of readTar(source, { limits, ...(options.signal == null ? {} : { signal: options.signal }) })) {
    stats.entries++
    if (entry.path === '') continue
    // AUFS bookkeeping at the root (`.wh..wh.plnk/...`, `.wh..wh.aufs`): not part of the image, as Docker skips it.
    if (entry.path.startsWith(AUFS_META_PREFIX) && entry.path !== OPAQUE_MARKER) continue
    const name = basename(entry.path)
    if (name.startsWith(WHITEOUT_PREFIX)) {
      const dir = dirname(entry.path)
      if (name === OPAQUE_MARKER) whiteouts.opaqueDirs.push(dir)
      // Other `.wh..wh.` names are AUFS bookkeeping (hard link dirs), not whiteouts.
      else if (!name.startsWith(AUFS_META_PREFIX)) whiteouts.files.push(joinPath(dir, name.slice(WHITEOUT_PREFIX.length)))
      continue
    }
    forget(entry.path)
    switch (entry.type) {
      case 'file':
        await readFile(entry)
        break
      case 'hardlink': {
        // A hard link to a file earlier in this layer is that file again, under another name.
        const target = files.get(entry.linkpath ?? '')
        if (target !== undefined) {
          files.set(entry.path, { path: entry.path, sha256: target.sha256, size: target.size })
          stats.bytes += target.size
        } else {
          others.add(entry.path)
          skip(entry.path, `hard link to "${entry.linkpath ?? ''}", not a file earlier in this layer: not hashed`)
        }
        break
      }
      case 'symlink':
        others.add(entry.path)
        break
      case 'other':
        others.add(entry.path)
        if (!SPECIAL_TYPEFLAGS.has(entry.typeflag)) skip(entry.path, `tar entry type "${entry.typeflag}" (sparse or unknown): not hashed`)
        break
      case 'directory':
        break
    }
  }

  const inventory: LayerInventory = {
    packages: [...packages.values()].flat(),
    files: [...files.values()],
    others: [...others],
    whiteouts,
    stats
  }
  const os = OS_RELEASE_PATHS.map(path => osReleases.get(path)).find(os => os !== undefined)
  if (os !== undefined) inventory.os = os
  return inventory
}
