/**
 * Scanning: a layer's inventory (`../inventory`) set against the feeds
 * (`ThreatLookup`): the advisories its packages fall under, the files on a
 * malware list, and its score. `scanLayer` reads one layer stream;
 * `assessLayer` re-judges a cached inventory when the feeds change (no
 * re-read of the layer); `scanImage` does every layer of an image and the
 * image as a whole, whiteouts applied, so a package an upper layer removed
 * is not reported for the image. `ScanCache` keeps inventories by layer
 * digest and analyzer version in LevelDB. Targets (`targets.ts`) turn what a
 * user names (a layer file, an OCI layout, an image reference) into layers.
 */
import type { Finding } from '../match.js'
import type { LayerInventory, OsInfo } from '../inventory/index.js'

export { scanLayer, assessLayer, inventoryOf } from './scan-layer.js'
export { scanImage, type ImageLayerSource } from './scan-image.js'
export { findVulnerabilities, findMalware } from './assess.js'
export { ScanCache, type ScanCacheInit } from './scan-cache.js'
export * from './constants.js'
export { ScanTargetError } from './errors.js'
export { resolveTarget, type ImageRegistry, type ResolvedTarget, type ResolveOptions } from './targets.js'

export interface MalwareFinding {
  /** The file's path in the layer; '' for the blob itself. */
  path: string
  sha256: string
  signature?: string
}

/** An inventory as cached: what the layer holds, for judging again when the feeds change. */
export interface CachedInventory extends LayerInventory {
  analyzer: string
  /** Set when the blob is not a tar (an image config, an artifact): nothing inside to judge. */
  notALayer?: string
  /** Set when the tar could not be read to its end (truncated, a limit hit): what was read is kept. */
  error?: string
}

export interface LayerScan {
  digest?: string
  analyzer: string
  /** The feeds' generation it was judged under. */
  generation: string
  os?: OsInfo
  packages: number
  files: number
  findings: Finding[]
  malware: MalwareFinding[]
  /** In [0, 1] (score.ts). */
  score: number
  notALayer?: string
  error?: string
  scannedAt: string
}

export interface ImageScan {
  /** What was scanned, as the user named it. */
  target: string
  /** The manifest digest, for images. */
  digest?: string
  layers: LayerScan[]
  /** The image as a container sees it: upper layers' whiteouts and replacements applied. */
  image: {
    os?: OsInfo
    findings: Finding[]
    malware: MalwareFinding[]
    score: number
  }
}
