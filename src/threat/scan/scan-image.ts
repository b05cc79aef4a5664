/**
 * An image: each layer scanned (or its cached inventory re-judged), then the
 * image as a container sees it, upper layers' whiteouts and replacements
 * applied, judged as a whole. Layers are read one at a time: memory holds
 * inventories, never layer bytes.
 */
import { applyWhiteouts } from '../inventory/index.js'
import type { InventoryLimits, InventoryLogger } from '../inventory/index.js'
import type { InstalledPackage } from '../match.js'
import type { ThreatLookup } from '../lookup.js'
import { findMalware, findVulnerabilities, scoreOf } from './assess.js'
import { assessLayer, inventoryOf } from './scan-layer.js'
import type { ScanCache } from './scan-cache.js'
import type { CachedInventory, ImageScan, LayerScan } from './index.js'

export interface ImageLayerSource {
  /** The layer's digest, when known (a layer file on its own has none). */
  digest?: string
  open (signal?: AbortSignal): AsyncIterable<Uint8Array>
}

export interface ScanImageOptions {
  cache?: ScanCache
  signal?: AbortSignal
  limits?: InventoryLimits
  logger?: InventoryLogger
}

export async function scanImage (target: string, layers: ImageLayerSource[], lookup: ThreatLookup, options: ScanImageOptions & { digest?: string } = {}): Promise<ImageScan> {
  const { cache, signal } = options
  const inventories: CachedInventory[] = []
  const scans: LayerScan[] = []
  for (const layer of layers) {
    signal?.throwIfAborted()
    let inventory = layer.digest != null ? await cache?.getInventory(layer.digest) : undefined
    if (inventory == null) {
      inventory = await inventoryOf(layer.open(signal), options)
      if (layer.digest != null && inventory.error == null) await cache?.putInventory(layer.digest, inventory)
    }
    const scan = await assessLayer(inventory, lookup, layer.digest)
    if (layer.digest != null) await cache?.putScan(layer.digest, scan)
    inventories.push(inventory)
    scans.push(scan)
  }
  const image = applyWhiteouts(inventories)
  const packages: InstalledPackage[] = image.packages.map(p => ({ ecosystem: p.ecosystem, name: p.name, version: p.version, ...(p.source != null ? { source: p.source } : {}) }))
  const findings = await findVulnerabilities(lookup, packages, image.os?.ecosystem)
  const malware = await findMalware(lookup, image.files)
  for (const scan of scans) if (scan.malware.some(m => m.path === '')) malware.push(...scan.malware.filter(m => m.path === ''))
  return {
    target,
    ...(options.digest != null ? { digest: options.digest } : {}),
    layers: scans,
    image: { ...(image.os != null ? { os: image.os } : {}), findings, malware, score: scoreOf(findings, malware) }
  }
}
