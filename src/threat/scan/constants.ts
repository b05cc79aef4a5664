/** Threat scan constants, built from units. */
import { MiB } from '../../node/constants.js'

/**
 * Bumped whenever what a layer inventory holds changes (new analyzers,
 * parser fixes): cached inventories of another version are scanned again.
 */
export const ANALYZER_VERSION = 'inventory-1'
/** File digests asked of the malware list per lookup. */
export const MALWARE_LOOKUP_BATCH = 4096
/** Layers an image scan takes at most (a manifest with more is refused). */
export const SCAN_MAX_LAYERS = 256
/** Largest manifest or index read when scanning an image. */
export const SCAN_MAX_MANIFEST_BYTES = 4 * MiB
/** Most files of one layer whose paths and digests are cached (the rest are still checked when scanned). */
export const SCAN_CACHE_MAX_FILES = 1_000_000
/** The feed store's and the scan cache's directories under the daemon's data directory. */
export const FEEDS_DIR = 'threat'
export const SCANS_DIR = 'scans'
