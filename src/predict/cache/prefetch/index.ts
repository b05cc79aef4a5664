/**
 * Baseline prefetchers for the cache simulator: `none`, and `manifest`
 * (after a manifest, the blobs that followed it before). Shoal's own
 * predictor implements the same `Prefetcher` interface elsewhere.
 */
import {
  MANIFEST_MAX_BLOBS, MANIFEST_MAX_CLIENTS, MANIFEST_MAX_MANIFESTS, MANIFEST_MIN_CONFIDENCE, MANIFEST_WINDOW_MS
} from '../constants.js'
import { InvalidCacheOptionError } from '../errors.js'
import type { Prefetcher } from '../index.js'
import { ManifestPrefetcher } from './manifest.js'
import { NonePrefetcher } from './none.js'

export { ManifestPrefetcher, NonePrefetcher }

export type PrefetcherName = 'none' | 'manifest'

export interface ManifestPrefetcherInit {
  /** A blob requested this long after its client's manifest request follows that manifest. @default MANIFEST_WINDOW_MS (60 second) */
  windowMs?: number
  /** Suggest a blob that followed at least this fraction (0 < f <= 1) of the manifest's earlier pulls. @default MANIFEST_MIN_CONFIDENCE (0.2) */
  minConfidence?: number
  /** Manifests remembered. @default MANIFEST_MAX_MANIFESTS (20000) */
  maxManifests?: number
  /** Blobs remembered per manifest (and per pull). @default MANIFEST_MAX_BLOBS (128) */
  maxBlobs?: number
  /** Clients whose open window is tracked. @default MANIFEST_MAX_CLIENTS (100000) */
  maxClients?: number
}

const KNOWN = ['windowMs', 'minConfidence', 'maxManifests', 'maxBlobs', 'maxClients']

function positiveInteger (init: ManifestPrefetcherInit, name: 'windowMs' | 'maxManifests' | 'maxBlobs' | 'maxClients', fallback: number): number {
  const value = init[name] ?? fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidCacheOptionError(`manifest prefetcher option ${name} must be a positive integer, got ${String(value)}`)
  }
  return value
}

/** A fresh prefetcher by name; options are checked here, once. */
export function createPrefetcher (name: PrefetcherName, init: ManifestPrefetcherInit = {}): Prefetcher {
  if (typeof init !== 'object' || init == null) throw new InvalidCacheOptionError('prefetcher options must be an object')
  if (name === 'none') {
    if (Object.keys(init).length > 0) throw new InvalidCacheOptionError('prefetcher "none" takes no options')
    return new NonePrefetcher()
  }
  if (name !== 'manifest') throw new InvalidCacheOptionError(`unknown prefetcher "${String(name)}"; known prefetchers: none, manifest`)
  for (const key of Object.keys(init)) {
    if (!KNOWN.includes(key)) throw new InvalidCacheOptionError(`unknown manifest prefetcher option "${key}"; known options: ${KNOWN.join(', ')}`)
  }
  const minConfidence = init.minConfidence ?? MANIFEST_MIN_CONFIDENCE
  if (typeof minConfidence !== 'number' || !(minConfidence > 0 && minConfidence <= 1)) {
    throw new InvalidCacheOptionError(`manifest prefetcher option minConfidence must be above 0 and at most 1, got ${String(minConfidence)}`)
  }
  return new ManifestPrefetcher({
    windowMs: positiveInteger(init, 'windowMs', MANIFEST_WINDOW_MS),
    minConfidence,
    maxManifests: positiveInteger(init, 'maxManifests', MANIFEST_MAX_MANIFESTS),
    maxBlobs: positiveInteger(init, 'maxBlobs', MANIFEST_MAX_BLOBS),
    maxClients: positiveInteger(init, 'maxClients', MANIFEST_MAX_CLIENTS)
  })
}
