/** Layer inventory limits and tar format constants, built from units. The docs in `index.ts` are tested against these. */
import { KiB, MiB } from '../../node/constants.js'

const GiB = 1024 * MiB

/** Most entries one layer tar may hold; past it the layer is a tar bomb (`InventoryLimitError`). */
export const INVENTORY_MAX_ENTRIES = 1_000_000
/** Longest entry path or link target, in UTF-8 bytes (Linux's PATH_MAX). */
export const INVENTORY_MAX_PATH_BYTES = 4096
/** Largest package database or manifest read into memory to parse; bigger files are hashed, not parsed. */
export const INVENTORY_MAX_PARSE_BYTES = 8 * MiB
/** Most bytes of tar (after decompression) read from one layer: bounds a gzip or zstd bomb. */
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
/**
 * Largest window (the history its back-references reach into) a zstd frame
 * may declare; the decoder allocates it whole. 32 MiB fits every level of
 * klauspost/compress (containerd, BuildKit, Podman: 4 to 32 MiB) and of the
 * zstd CLI up to 20 (level 19 uses 8 MiB); `--long` and `--ultra -21/-22`
 * frames are refused with `DecompressionError`. The reference decoder's own
 * default limit is 128 MiB; fzstd decodes 128 MiB windows at about 5 MiB/s.
 */
export const ZSTD_MAX_WINDOW_BYTES = 32 * MiB
/**
 * fzstd copies a frame's whole window once per block (and allocates it once
 * per frame): bytes so copied may reach this many times the bytes
 * decompressed, plus `ZSTD_WINDOW_COPY_ALLOWANCE_BYTES`. Full 128 KiB blocks
 * in a 32 MiB window copy 256 times their output; a run of one-byte blocks
 * would copy a window per byte (125 GiB for 4000 bytes at 32 MiB), and is
 * refused with `DecompressionError`.
 */
export const ZSTD_MAX_WINDOW_COPY_RATIO = 1024
/** Window copying allowed beyond the ratio: last blocks of frames and small frames' windows. About a second of memmove. */
export const ZSTD_WINDOW_COPY_ALLOWANCE_BYTES = 4 * GiB
/** Size of the pieces gzip is inflated into (zlib's default is 16 KiB): fewer, bigger chunks cost fewer promises per MiB. */
export const INFLATE_CHUNK_BYTES = 64 * KiB
