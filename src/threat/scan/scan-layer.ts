/**
 * One layer: inventory it (one streaming pass), then judge the inventory.
 * A blob that is not a tar is "not a layer" (an image config, an artifact);
 * a tar that breaks off or hits a limit keeps what was read, names the
 * error, and is still judged on that part: a scan never throws for bad
 * layer bytes, only for an aborted signal or a failing feed store.
 */
import { inventoryLayer } from '../inventory/index.js'
import type { InventoryLimits, InventoryLogger, LayerInventory } from '../inventory/index.js'
import type { InstalledPackage } from '../match.js'
import type { ThreatLookup } from '../lookup.js'
import { findMalware, findVulnerabilities, scoreOf } from './assess.js'
import { ANALYZER_VERSION } from './constants.js'
import type { CachedInventory, LayerScan } from './index.js'

const EMPTY: LayerInventory = { packages: [], files: [], others: [], whiteouts: { files: [], opaqueDirs: [] }, stats: { entries: 0, bytes: 0, skipped: 0 } }

/** Names of the errors that mean "these bytes are not a (whole) layer", as opposed to a failure of ours. */
const LAYER_ERRORS = new Set(['TarFormatError', 'InventoryLimitError', 'DecompressionError', 'UnsupportedCompressionError'])

export async function inventoryOf (source: AsyncIterable<Uint8Array>, options: { signal?: AbortSignal, limits?: InventoryLimits, logger?: InventoryLogger } = {}): Promise<CachedInventory> {
  let first: number | undefined
  const watched = (async function * () {
    for await (const chunk of source) {
      if (first === undefined && chunk.length > 0) first = chunk[0]
      yield chunk
    }
  })()
  try {
    const inventory = await inventoryLayer(watched, {
      ...(options.signal != null ? { signal: options.signal } : {}),
      ...(options.limits != null ? { limits: options.limits } : {}),
      ...(options.logger != null ? { logger: options.logger } : {})
    })
    return { ...inventory, analyzer: ANALYZER_VERSION }
  } catch (err) {
    const e = err as Error
    if (!LAYER_ERRORS.has(e.name)) throw err
    // JSON (`{` or `[`) where a tar header should be: a config or an artifact, not a layer.
    // (A JSON shorter than one tar block fails as a header cut short, at its length.)
    if (e.name === 'TarFormatError' && (first === 0x7b || first === 0x5b) && ((e as Error & { offset?: number }).offset ?? 0) < 512) {
      return { ...EMPTY, analyzer: ANALYZER_VERSION, notALayer: 'the blob is JSON, not a tar' }
    }
    return { ...EMPTY, analyzer: ANALYZER_VERSION, error: `${e.name}: ${e.message}` }
  }
}

/** Judge an inventory against the feeds as they are now. */
export async function assessLayer (inventory: CachedInventory, lookup: ThreatLookup, digest?: string): Promise<LayerScan> {
  const packages: InstalledPackage[] = inventory.packages.map(p => ({
    ecosystem: p.ecosystem,
    name: p.name,
    version: p.version,
    ...(p.source != null ? { source: p.source } : {})
  }))
  const [generation, findings, malware] = await Promise.all([
    lookup.generation(),
    findVulnerabilities(lookup, packages, inventory.os?.ecosystem),
    findMalware(lookup, inventory.files, digest)
  ])
  return {
    ...(digest != null ? { digest } : {}),
    analyzer: inventory.analyzer,
    generation,
    ...(inventory.os != null ? { os: inventory.os } : {}),
    packages: inventory.packages.length,
    files: inventory.files.length,
    findings,
    malware,
    score: scoreOf(findings, malware),
    ...(inventory.notALayer != null ? { notALayer: inventory.notALayer } : {}),
    ...(inventory.error != null ? { error: inventory.error } : {}),
    scannedAt: new Date().toISOString()
  }
}

export async function scanLayer (source: AsyncIterable<Uint8Array>, lookup: ThreatLookup, options: { digest?: string, signal?: AbortSignal, limits?: InventoryLimits, logger?: InventoryLogger } = {}): Promise<{ scan: LayerScan, inventory: CachedInventory }> {
  const inventory = await inventoryOf(source, options)
  return { scan: await assessLayer(inventory, lookup, options.digest), inventory }
}
