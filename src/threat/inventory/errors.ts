/** Errors of the layer inventory, each with a fixed `name` to match on. */

/**
 * The layer is not a well-formed tar: a header checksum that does not match,
 * a malformed number or PAX record, or a stream that ends inside a header or
 * a body. `offset` is the byte offset in the (decompressed) tar stream where
 * the problem was found.
 */
export class TarFormatError extends Error {
  override name = 'TarFormatError' as const
  readonly offset: number
  constructor (message: string, offset: number) {
    super(`${message} (at tar byte offset ${offset})`)
    this.offset = offset
  }
}

/** Which limit an `InventoryLimitError` is about; each is a field of `InventoryLimits`. */
export type InventoryLimitName = 'maxEntries' | 'maxPathBytes' | 'maxTotalBytes' | 'maxPaxHeaderBytes' | 'maxPackages'

/** A layer that breaks a limit (a tar bomb, a gzip bomb, an absurd path); nothing past the limit was read. */
export class InventoryLimitError extends Error {
  override name = 'InventoryLimitError' as const
  readonly limit: InventoryLimitName
  readonly max: number
  constructor (limit: InventoryLimitName, max: number, message: string) {
    super(`${message} (limit ${limit} = ${max})`)
    this.limit = limit
    this.max = max
  }
}

/** A layer compressed with something other than gzip or zstd (xz, bzip2), recognised by its magic bytes. */
export class UnsupportedCompressionError extends Error {
  override name = 'UnsupportedCompressionError' as const
  readonly compression: string
  constructor (compression: string) {
    super(`the layer is ${compression}-compressed; only uncompressed, gzip and zstd layers can be inventoried for now`)
    this.compression = compression
  }
}

/**
 * A gzip or zstd layer that does not decompress: truncated, corrupt, or (zstd)
 * asking for a bigger window than `ZSTD_MAX_WINDOW_BYTES`. `offset` counts
 * compressed bytes: read so far for gzip; for zstd, up to the start of the
 * frame, block or header at fault (or the end, when truncated).
 */
export class DecompressionError extends Error {
  override name = 'DecompressionError' as const
  readonly offset: number
  constructor (message: string, offset: number, options?: ErrorOptions) {
    super(`${message} (after ${offset} compressed bytes)`, options)
    this.offset = offset
  }
}

/** An unknown or out-of-range inventory option; the message names the fix. */
export class InvalidInventoryOptionError extends Error {
  override name = 'InvalidInventoryOptionError' as const
}
