/**
 * Limits and defaults of the threat-feed store, built from units. Every
 * source is untrusted input (a URL, a zip someone else built): each limit
 * stops a feed that is broken or hostile with a typed error instead of
 * letting it grow memory, disk or time without bound.
 */
import { KiB, MiB, minute } from '../../node/constants.js'

const GiB = 1024 * MiB

/** Largest single JSON feed file read whole: one OSV record (or a list of them) or the KEV catalog (about 1.3 MB in 2025). */
export const MAX_JSON_FILE_BYTES = 64 * MiB
/** Largest malware list or EPSS CSV, read whole by their parsers (EPSS is about 10 MB uncompressed). */
export const MAX_LIST_FILE_BYTES = 256 * MiB
/** Most entries in an OSV zip (the all-ecosystem export holds about 600,000 in 2025). */
export const MAX_ZIP_ENTRIES = 2_000_000
/** Largest OSV record inside a zip or a directory; a larger one is skipped with a warning. */
export const MAX_RECORD_BYTES = 16 * MiB
/** Most files taken from an OSV directory tree... */
export const MAX_DIRECTORY_FILES = 2_000_000
/** ... and how deep it is walked. */
export const MAX_DIRECTORY_DEPTH = 16
/** Largest download (the all-ecosystem OSV zip is under 1 GiB in 2025). */
export const MAX_DOWNLOAD_BYTES = 4 * GiB
/** Longest a download may take in all... */
export const DOWNLOAD_TIMEOUT_MS = 30 * minute
/** ... and longest it may go without a byte (or without response headers). */
export const DOWNLOAD_STALL_TIMEOUT_MS = 1 * minute
/** Most feeds in one store. */
export const MAX_FEEDS = 256
/** Feed names: letters, digits, `.`, `_`, `-`, starting with a letter or digit, at most this long. */
export const MAX_FEED_NAME_CHARS = 64
/** Records (or list entries) per LevelDB batch while ingesting: memory stays flat whatever the feed's size. */
export const INGEST_BATCH_ENTRIES = 512
/** Most bytes of record values per batch, so a batch of large records stays bounded too. */
export const INGEST_BATCH_BYTES = 8 * MiB
/** Most "skipped record" warnings logged per ingest; the rest are counted in one summary line. */
export const MAX_SKIP_WARNINGS = 20
/** Bytes read from the start of a file to tell its kind when none is given. */
export const SNIFF_BYTES = 4 * KiB
/** Advisories returned for one package key at most (the busiest packages have a few thousand). */
export const MAX_ADVISORIES_PER_KEY = 100_000
