/**
 * The registry mirror: how containerd (or any OCI client) pulls through
 * shoal. `Mirror` speaks the pull side of the OCI distribution API;
 * `ManifestService` resolves tags against the origin (and remembers them for
 * when it is down) and fetches manifests by digest; `BlobService` serves
 * blobs from the store or assembles them just in time from peers and the
 * origin, in order, as their shards verify. The origin client (`origin/`)
 * talks to upstream registries. The mirror sees the rest of the daemon only
 * through `MirrorSwarm`, `OriginRegistry` and `UsageRecorder`.
 */
import type { Logger } from 'pino'
import type { ShardHasher } from '../shard/hasher.js'
import type { ShardStore } from '../store/index.js'
import { BlobService } from './blobs.js'
import { ManifestService, type ManifestServiceComponents } from './manifests.js'
import { Mirror, type MirrorInit } from './mirror.js'
import type { TagStore } from './tag-store.js'
import { TrustedIndexes } from './trusted-indexes.js'
import { SizeHints } from './size-hints.js'
import { referrersIndex, type ReferrerOrigin } from './referrers.js'
import type { BlobGuard, MirrorSwarm, OriginRegistry, ServedEvent, UsageRecorder } from './types.js'

export * from './constants.js'
export * from './errors.js'
export { Mirror, parseHostPort, type MirrorInit, type MirrorComponents, type MirrorStats } from './mirror.js'
export { BlobService, type OpenedBlob } from './blobs.js'
export { ManifestService, type Manifest, type ManifestServiceInit } from './manifests.js'
export { TrustedIndexes } from './trusted-indexes.js'
export { pushShardIndexes, fetchShardIndexes, listShardArtifacts, referrersIndex, type ReferrerOrigin, type PushedArtifact, type FoundArtifact } from './referrers.js'
export * from './shard-artifact.js'
export { PeerTags, TAG_PROTOCOL, type PeerTagsComponents, type PeerTagAnswer } from './peer-tags.js'
export { LevelTagStore, MemoryTagStore, type TagStore, type TagRecord } from './tag-store.js'
export { parseRoute, parseName, parseDigest, parseReference, isRegistryHost, canonicalOrigin } from './reference.js'
export type { BlobGuard, MirrorSwarm, OriginRegistry, OriginTarget, ServedEvent, UsageRecorder } from './types.js'

export interface RegistryMirrorInit extends MirrorInit {
  /** How long a tag resolved at the origin is trusted. @default TAG_CACHE_MS (30 s) */
  tagCacheMs?: number
  /** Use a tag's last known resolution when the origin is unreachable. @default true */
  tagFallback?: boolean
  /** Look for each image's shard index artifact at the origin and trust it (needs `referrerOrigin`). @default true */
  trustArtifacts?: boolean
}

export interface RegistryMirrorComponents {
  store: ShardStore
  swarm: MirrorSwarm
  tags: TagStore
  origin?: OriginRegistry
  /** Shard indexes from the origin's referrer artifacts, and the origin's referrers for the mirror's Referrers API. */
  referrerOrigin?: ReferrerOrigin
  /** Peers' tag resolutions, for when the origin is down (`/shoal/tag/1.0.0`). */
  peerTags?: ManifestServiceComponents['peerTags']
  hasher?: ShardHasher
  /** The threat guard: quarantined blobs refused, blobs judged before they are served whole. */
  guard?: BlobGuard
  usage?: UsageRecorder
  onServed?: (event: ServedEvent) => void
  logger: Logger
}

export function createRegistryMirror (init: RegistryMirrorInit, components: RegistryMirrorComponents): Mirror {
  const { store, swarm, tags, origin, hasher, logger, referrerOrigin } = components
  const trusted = referrerOrigin != null && init.trustArtifacts !== false ? new TrustedIndexes({ origin: referrerOrigin, logger: logger.child({ component: 'shoal:registry:referrers' }) }) : undefined
  const sizes = new SizeHints()
  const blobs = new BlobService({ store, swarm, logger, sizes, ...(origin != null ? { origin } : {}), ...(hasher != null ? { hasher } : {}), ...(trusted != null ? { trusted } : {}), ...(components.guard != null ? { guard: components.guard } : {}) })
  const manifests = new ManifestService(
    { store, swarm, tags, logger, sizes, ...(origin != null ? { origin } : {}), ...(components.peerTags != null ? { peerTags: components.peerTags } : {}) },
    { ...(init.tagCacheMs != null ? { tagCacheMs: init.tagCacheMs } : {}), ...(init.tagFallback != null ? { tagFallback: init.tagFallback } : {}) }
  )
  return new Mirror(init, {
    blobs,
    manifests,
    logger,
    ...(trusted != null ? { trusted } : {}),
    ...(referrerOrigin != null
      ? { referrers: async (target, digest, options) => await referrersIndex(referrerOrigin, target.host ?? '', target.name, digest, options) }
      : {}),
    ...(components.usage != null ? { usage: components.usage } : {}),
    ...(components.onServed != null ? { onServed: components.onServed } : {})
  })
}
