/**
 * Trusted shard indexes: when the mirror serves an image manifest, it looks
 * at the origin for the image's shard index artifact (a referrer; see
 * shard-artifact.ts), once per manifest and in the background, so the blob
 * requests that follow can use it. An index found this way is trusted: the
 * fetch uses it rather than any index a peer offers, and a peer whose
 * have-map names a different index is ignored and penalised. A malformed
 * artifact is logged and ignored (the pull goes on as without one).
 */
import type { Logger } from 'pino'
import type { ShardIndex } from '../shard/types.js'
import { minute, second } from '../node/constants.js'
import { MEDIA_TYPES } from './constants.js'
import { fetchShardIndexes, manifestLayers, type FoundArtifact, type ReferrerOrigin } from './referrers.js'
import type { OriginTarget } from './types.js'

/** How long a lookup's answer (found or not) is kept before the origin is asked again. */
const LOOKUP_TTL_MS = 10 * minute
/** How long a blob request waits for a running lookup. */
const LOOKUP_WAIT_MS = 3 * second
/** Manifests and blobs remembered. */
const MAX_ENTRIES = 4096

const IMAGE_MANIFESTS = new Set<string>([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest])

export interface TrustedIndexesComponents {
  origin: ReferrerOrigin
  logger: Logger
}

export class TrustedIndexes {
  private readonly manifests = new Map<string, { atMs: number, found: Promise<FoundArtifact | undefined> }>()
  private readonly blobs = new Map<string, Promise<ShardIndex | undefined>>()
  /** Artifacts found, and malformed ones ignored (for status and tests). */
  readonly stats = { found: 0, none: 0, invalid: 0, failed: 0 }

  constructor (private readonly components: TrustedIndexesComponents) {}

  /** An image manifest was served: look for its artifact unless a recent lookup did. */
  expect (target: OriginTarget, manifest: { digest: string, mediaType: string, bytes: Uint8Array }): void {
    const host = target.host
    if (host == null || !IMAGE_MANIFESTS.has(manifest.mediaType)) return
    const key = `${host}/${target.name}@${manifest.digest}`
    const seen = this.manifests.get(key)
    if (seen != null && performance.now() - seen.atMs < LOOKUP_TTL_MS) return
    const { origin, logger } = this.components
    const found = fetchShardIndexes(origin, host, target.name, manifest.digest, { signal: AbortSignal.timeout(30 * second) }).then(f => {
      if (f == null) this.stats.none++
      else {
        this.stats.found++
        logger.debug({ image: key, artifact: f.artifact, via: f.via, indexes: f.indexes.size }, 'trusted shard indexes found')
      }
      return f
    }, (err: Error) => {
      if (err.name === 'InvalidArtifactError') {
        this.stats.invalid++
        logger.warn({ image: key, err: err.message }, 'ignoring a malformed shard index artifact')
      } else {
        this.stats.failed++
        logger.debug({ image: key, err: err.message }, 'shard index artifact lookup failed')
      }
      return undefined
    })
    remember(this.manifests, key, { atMs: performance.now(), found })
    for (const layer of manifestLayers(manifest.bytes)) {
      remember(this.blobs, layer.digest, found.then(f => f?.indexes.get(layer.digest)))
    }
  }

  /** The trusted index of a blob, waiting a little for a lookup still running. */
  async get (blobDigest: string): Promise<ShardIndex | undefined> {
    const p = this.blobs.get(blobDigest)
    if (p == null) return undefined
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<undefined>(resolve => { timer = setTimeout(() => { resolve(undefined) }, LOOKUP_WAIT_MS) })
    try {
      return await Promise.race([p, timeout])
    } finally {
      clearTimeout(timer)
    }
  }
}

function remember<V> (map: Map<string, V>, key: string, value: V): void {
  map.delete(key)
  map.set(key, value)
  if (map.size > MAX_ENTRIES) {
    const oldest = map.keys().next().value
    if (oldest != null) map.delete(oldest)
  }
}
