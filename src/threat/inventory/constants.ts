/** Layer inventory limits and tar format constants, built from units. The docs in `index.ts` are tested against these. */
import { KiB, MiB } from '../../node/constants.js'

const GiB = 1024 * MiB

/** Most entries one layer tar may hold; past it the layer is a tar bomb (`InventoryLimitError`). */
export const INVENTORY_MAX_ENTRIES = 1_000_000
/** Longest entry path or link target, in UTF-8 bytes (Linux's PATH_MAX). */
export const INVENTORY_MAX_PATH_BYTES = 4096
/** Largest package database or manifest read into memory to parse; bigger files are hashed, not parsed. */
export const INVENTORY_MAX_PARSE_BYTES = 8 * MiB
/** Most bytes of tar (after decompression) read from one layer: bounds a gzip bomb. */
export const INVENTORY_MAX_TOTAL_BYTES = 64 * GiB
/** Largest PAX extended header (or GNU long link name) body read into memory. */
export const INVENTORY_MAX_PAX_HEADER_BYTES = 1 * MiB
/** Most packages one layer may report. */
export const INVENTORY_MAX_PACKAGES = 1_000_000

/** Tar's block: headers are one block, bodies are padded to a whole number of them. */
export const TAR_BLOCK_BYTES = 512
/** Metadata headers (PAX `x`/`g`, GNU `L`/`K`) allowed in a row before the entry they describe. */
export const TAR_MAX_META_HEADERS = 8
/** Bytes read from the front of a layer to recognise its compression. */
export const MAGIC_SNIFF_BYTES = 6
/** Size of the pieces gzip is inflated into (zlib's default is 16 KiB): fewer, bigger chunks cost fewer promises per MiB. */
export const INFLATE_CHUNK_BYTES = 64 * KiB
