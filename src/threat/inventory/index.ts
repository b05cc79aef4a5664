/**
 * Layer inventory: what an image layer installs, read the way Trivy and Syft
 * read it, so the threat subsystem can match packages against advisories
 * and files against malware hashes. `inventoryLayer` makes one streaming
 * pass over a layer blob (uncompressed, gzip or zstd, recognised by magic
 * bytes; xz and bzip2 are refused): it hashes every regular file, parses the
 * dpkg and apk databases, npm `package.json` and Python core metadata it
 * finds, reads `os-release` for the distribution (and so the OSV ecosystem),
 * and notes whiteouts. Nothing holds a whole layer or a whole big file: only a
 * package file under `maxParseBytes` is read into memory, the rest is hashed
 * as it streams. `applyWhiteouts` then stacks the layers' inventories into
 * the image's, dropping what upper layers delete or replace.
 *
 * Underneath is a small streaming tar reader (`readTar`: ustar, GNU and PAX
 * headers, long names, links), usable on its own. Every limit is a constant
 * that `InventoryLimits` overrides; a layer past one fails with
 * `InventoryLimitError`, a malformed tar with `TarFormatError` naming the
 * byte offset, a truncated or corrupt gzip or zstd stream (or a zstd frame
 * asking for a window over `ZSTD_MAX_WINDOW_BYTES`) with `DecompressionError`
 * naming the compressed one. Records that are not packages (no name or version, bad JSON)
 * and files too big to parse are skipped and counted, never fatal.
 */
export { applyWhiteouts } from './apply-whiteouts.js'
export { decompress, detectCompression, type Compression } from './decompress.js'
export { inventoryLayer } from './inventory-layer.js'
export { readTar } from './tar-reader.js'
export * from './constants.js'
export * from './errors.js'

export type PackageEcosystem = 'Debian' | 'Alpine' | 'npm' | 'PyPI'

/** The distribution a layer's `os-release` names. */
export interface OsInfo {
  /** `ID`, e.g. "debian", "alpine", "ubuntu". */
  id: string
  /** `VERSION_ID`, e.g. "12", "3.19.1", "22.04". */
  versionId?: string
  prettyName?: string
  /** The OSV ecosystem its distribution packages are in: "Debian:12", "Alpine:v3.19", "Ubuntu:22.04". */
  ecosystem?: string
  /** The file it was read from: "etc/os-release" (preferred) or "usr/lib/os-release". */
  path: string
}

export interface InventoryPackage {
  ecosystem: PackageEcosystem
  name: string
  version: string
  /** The source package (dpkg `Source:`, apk origin); the package itself when none is named. Set for Debian and Alpine. */
  source?: { name: string, version?: string }
  /** The database or manifest it was read from, e.g. "var/lib/dpkg/status". */
  path: string
}

export interface InventoryFile {
  path: string
  /** Lower-case hex sha256 of the contents. */
  sha256: string
  size: number
}

export interface LayerInventory {
  os?: OsInfo
  packages: InventoryPackage[]
  /** Every regular file (and hard link to one in the same layer), for malware matching. */
  files: InventoryFile[]
  /** Paths of the layer's other non-directories (symlinks, devices, unresolved hard links): they too replace lower content. */
  others: string[]
  /** `.wh.NAME` entries (as the path they delete) and `.wh..wh..opq` entries (as their directory, '' for the root). */
  whiteouts: { files: string[], opaqueDirs: string[] }
  /** `entries`: tar entries read; `bytes`: total size of the `files` listed; `skipped`: files and records that could not be used. */
  stats: { entries: number, bytes: number, skipped: number }
}

export interface ImageInventory {
  /** From the topmost layer with a visible `os-release`. */
  os?: OsInfo & { layer: number }
  /** Visible packages, lowest layer first; `layer` indexes the array given to `applyWhiteouts`. */
  packages: Array<InventoryPackage & { layer: number }>
  files: Array<InventoryFile & { layer: number }>
  /** How many of the layers' packages and files upper layers hid. */
  hidden: { packages: number, files: number }
}

export interface InventoryLimits {
  /** Most tar entries (metadata headers not counted). @default INVENTORY_MAX_ENTRIES (1000000) */
  maxEntries?: number
  /** Longest path or link target, in UTF-8 bytes. @default INVENTORY_MAX_PATH_BYTES (4096) */
  maxPathBytes?: number
  /** Largest package file parsed; bigger ones are hashed, counted as skipped. @default INVENTORY_MAX_PARSE_BYTES (8 MiB) */
  maxParseBytes?: number
  /** Most bytes of tar (after decompression). @default INVENTORY_MAX_TOTAL_BYTES (64 GiB) */
  maxTotalBytes?: number
  /** Largest PAX extended header. @default INVENTORY_MAX_PAX_HEADER_BYTES (1 MiB) */
  maxPaxHeaderBytes?: number
  /** Most packages one layer may list. @default INVENTORY_MAX_PACKAGES (1000000) */
  maxPackages?: number
}

/** Narrow logger, pino's calling convention; a pino child logger fits. */
export interface InventoryLogger {
  debug (obj: object, msg: string): void
}

export interface InventoryOptions {
  signal?: AbortSignal
  limits?: InventoryLimits
  /** Told why each skipped file or record was skipped. @default none */
  logger?: InventoryLogger
}

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other'

export interface TarEntry {
  /** Normalised: relative, no leading `./` or `/`, no trailing `/`, `..` resolved within the root; '' is the root. */
  path: string
  /** 'other' covers devices, FIFOs, sparse files and unknown types (look at `typeflag`). */
  type: TarEntryType
  /** The raw tar typeflag ('0' for a regular file). */
  typeflag: string
  /**
   * Bytes of the body: a file's size; 0 for directories and links (their size
   * field is ignored, as Go's archive/tar does); for 'other', what the archive
   * stores (for a sparse file, its map and pieces, not its apparent size).
   */
  size: number
  /** Permission bits (`mode & 0o7777`). */
  mode: number
  /** Symlink target as written; hard link target normalised like `path`. */
  linkpath?: string
  /** Offset of the entry's (first) header in the tar stream. */
  offset: number
  /**
   * The contents, once, as views of the stream's chunks (copy what you keep).
   * Read it or not before asking for the next entry: what is left is skipped
   * then, and reading it afterwards throws.
   */
  body: AsyncIterable<Uint8Array>
  /** Skip the rest of the body now. */
  skip (): Promise<void>
}

export interface ReadTarOptions {
  signal?: AbortSignal
  /** `maxEntries`, `maxPathBytes`, `maxTotalBytes` and `maxPaxHeaderBytes` apply. */
  limits?: InventoryLimits
  /** Recognise gzip and zstd (and refuse xz, bzip2) by magic bytes; false reads the source as a plain tar. @default true */
  decompress?: boolean
}
