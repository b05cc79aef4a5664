/**
 * Manifests for the mirror. A tag is resolved against the origin (HEAD,
 * cached for `tagCacheMs`); when the origin cannot be reached, the last known
 * resolution stands in (`tagFallback`). A manifest by digest is a blob like
 * any other: from the store, then from peers, then from the origin, always
 * checked against its digest, then stored and announced; but one whose size
 * is known and small (SMALL_FROM_ORIGIN_BYTES) goes to the origin before the
 * peers, which it only asks when the origin cannot be reached.
 */
import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import { digestToCid } from '../shard/cid.js'
import type { ShardStore } from '../store/index.js'
import { MAX_MANIFEST_BYTES, PEER_INDEX_TIMEOUT_MS, SMALL_FROM_ORIGIN_BYTES, TAG_CACHE_ENTRIES, TAG_CACHE_MS } from './constants.js'
import type { SizeHints } from './size-hints.js'
import { ManifestInvalidError, ManifestUnknownError, UpstreamError } from './errors.js'
import { manifestMediaType } from './media-type.js'
import type { TagRecord, TagStore } from './tag-store.js'
import type { MirrorSwarm, OriginRegistry, OriginTarget } from './types.js'
import type { ShardSource } from '../exchange/index.js'
import { isTagRef, type Reference } from './reference.js'

export interface ManifestServiceInit {
  /** @default TAG_CACHE_MS */
  tagCacheMs?: number
  /** Answer a tag from its last known resolution when the origin is unreachable. @default true */
  tagFallback?: boolean
}

export interface ManifestServiceComponents {
  store: ShardStore
  swarm: MirrorSwarm
  tags: TagStore
  origin?: OriginRegistry
  /** Peers' last resolutions, asked when the origin is down and this host never resolved the tag. */
  peerTags?: { resolve (origin: string, repository: string, tag: string, options: { signal?: AbortSignal }): Promise<(TagRecord & { peer: string }) | undefined> }
  /** Sizes the manifests declare, noted for the blob service; a small manifest comes from the origin first. */
  sizes?: SizeHints
  logger: Logger
}

export interface Manifest {
  digest: string
  mediaType: string
  bytes: Uint8Array
  source: ShardSource
  /** How the tag was resolved, when asked by tag. */
  tagFrom?: TagSource
}

export type TagSource = 'origin' | 'cache' | 'last-known' | 'peer'

export class ManifestService {
  private readonly cache = new Map<string, { record: TagRecord, atMs: number }>()
  private readonly tagCacheMs: number
  private readonly tagFallback: boolean

  constructor (private readonly components: ManifestServiceComponents, init: ManifestServiceInit = {}) {
    this.tagCacheMs = init.tagCacheMs ?? TAG_CACHE_MS
    this.tagFallback = init.tagFallback ?? true
  }

  async get (target: OriginTarget, reference: Reference, signal?: AbortSignal): Promise<Manifest> {
    const { sizes } = this.components
    if (!isTagRef(reference)) {
      const m = await this.byDigest(target, reference.digest, sizes?.get(reference.digest), signal)
      sizes?.noteManifest(m.bytes)
      return m
    }
    const { record, from } = await this.resolveTag(target, reference.tag, signal)
    // A tag answered without the origin (it is down) sends the manifest to the peers first too.
    const m = await this.byDigest(target, record.digest, from === 'origin' || from === 'cache' ? record.sizeBytes : undefined, signal)
    sizes?.noteManifest(m.bytes)
    return { ...m, tagFrom: from }
  }

  private async resolveTag (target: OriginTarget, tag: string, signal?: AbortSignal): Promise<{ record: TagRecord, from: TagSource }> {
    const { origin, tags, logger } = this.components
    const host = target.host
    if (host == null) throw new ManifestUnknownError(`cannot resolve tag ${target.name}:${tag}: the request names no origin (containerd adds ?ns=HOST; or set the daemon's default origin)`)
    const key = `${host}/${target.name}:${tag}`
    const cached = this.cache.get(key)
    if (cached != null && performance.now() - cached.atMs < this.tagCacheMs) return { record: cached.record, from: 'cache' }
    let originError: Error
    if (origin != null) {
      try {
        const head = await origin.headManifest(host, target.name, tag, { signal })
        const record: TagRecord = { digest: head.digest, mediaType: head.mediaType, sizeBytes: head.sizeBytes, resolvedAtMs: Date.now() }
        this.remember(key, record)
        await tags.put(host, target.name, tag, record).catch((err: Error) => { logger.warn({ tag: key, err: err.message }, 'could not save a tag resolution') })
        return { record, from: 'origin' }
      } catch (err) {
        if ((err as Error).name !== 'OriginUnavailableError' || !this.tagFallback) throw err
        originError = err as Error
      }
    } else {
      originError = new ManifestUnknownError(`no origin client to resolve ${key}`)
    }
    const last = await tags.get(host, target.name, tag)
    if (last != null) {
      logger.warn({ tag: key, digest: last.digest, resolvedAt: new Date(last.resolvedAtMs).toISOString(), err: originError.message }, 'origin unreachable: using the last known resolution of the tag')
      return { record: last, from: 'last-known' }
    }
    const fromPeer = await this.components.peerTags?.resolve(host, target.name, tag, { ...(signal != null ? { signal } : {}) })
    if (fromPeer != null) {
      const { peer, ...record } = fromPeer
      logger.warn({ tag: key, digest: record.digest, peer, resolvedAt: new Date(record.resolvedAtMs).toISOString(), err: originError.message }, 'origin unreachable: using a peer\'s resolution of the tag')
      await tags.put(host, target.name, tag, record).catch(() => {})
      return { record, from: 'peer' }
    }
    throw originError
  }

  private remember (key: string, record: TagRecord): void {
    this.cache.delete(key)
    this.cache.set(key, { record, atMs: performance.now() })
    if (this.cache.size > TAG_CACHE_ENTRIES) {
      const oldest = this.cache.keys().next().value
      if (oldest != null) this.cache.delete(oldest)
    }
  }

  /** `declaredBytes`: the size the tag's resolution or a manifest gave, if any; a small manifest comes from the origin first. */
  private async byDigest (target: OriginTarget, digest: string, declaredBytes: number | undefined, signal?: AbortSignal): Promise<Manifest> {
    const local = await this.readLocal(digest, signal)
    if (local != null) return { digest, mediaType: manifestMediaType(local, digest), bytes: local, source: 'local' }
    const { swarm, origin, logger } = this.components
    if (declaredBytes != null && declaredBytes <= SMALL_FROM_ORIGIN_BYTES && origin != null && target.host != null) {
      try {
        return await this.fromOrigin(target.host, target.name, digest, signal)
      } catch (err) {
        if (signal?.aborted === true || (err as Error).name !== 'OriginUnavailableError') throw err
        logger.warn({ digest, err: (err as Error).message }, 'origin unreachable for a manifest; asking peers')
      }
    }
    const found = await swarm.findIndex(digest, { signal, timeoutMs: PEER_INDEX_TIMEOUT_MS }).catch(() => undefined)
    if (found != null && found.index.size <= MAX_MANIFEST_BYTES) {
      try {
        await swarm.fetch(digest, { index: found.index, ...(signal != null ? { signal } : {}) })
        const bytes = await this.readLocal(digest, signal)
        if (bytes != null) return { digest, mediaType: manifestMediaType(bytes, digest), bytes, source: 'peer' }
      } catch (err) {
        if (signal?.aborted === true) throw err
        if ((err as Error).name === 'BlobDigestMismatchError') swarm.penalise(found.peer, `its shard index of manifest ${digest} does not match`)
        logger.warn({ digest, peer: found.peer, err: (err as Error).message }, 'manifest from peers failed; trying the origin')
      }
    }
    if (origin == null || target.host == null) {
      throw new ManifestUnknownError(`manifest ${digest} is not held by this host or its peers${target.host == null ? ', and the request names no origin' : ''}`)
    }
    return await this.fromOrigin(target.host, target.name, digest, signal)
  }

  private async fromOrigin (host: string, name: string, digest: string, signal?: AbortSignal): Promise<Manifest> {
    const { origin, store, swarm } = this.components
    if (origin == null) throw new ManifestUnknownError(`no origin client to fetch manifest ${digest}`)
    const got = await origin.getManifest(host, name, digest, { signal })
    const actual = 'sha256:' + createHash('sha256').update(got.bytes).digest('hex')
    if (actual !== digest) throw new UpstreamError(`origin ${host} sent a manifest for ${digest} whose digest is ${actual}`)
    if (got.bytes.byteLength > MAX_MANIFEST_BYTES) throw new ManifestInvalidError(`manifest ${digest} is over ${MAX_MANIFEST_BYTES} bytes`)
    const mediaType = manifestMediaType(got.bytes, digest, got.mediaType)
    await store.addBlob([got.bytes], { expectedDigest: digest, ...(signal != null ? { signal } : {}) })
    swarm.provide(digestToCid(digest))
    return { digest, mediaType, bytes: got.bytes, source: 'origin' }
  }

  private async readLocal (digest: string, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    const { store } = this.components
    const index = await store.getIndex(digest)
    if (index == null || index.size > MAX_MANIFEST_BYTES || !await store.hasBlob(digest)) return undefined
    const parts: Uint8Array[] = []
    for await (const b of store.readBlob(digest, { ...(signal != null ? { signal } : {}) })) parts.push(b)
    const bytes = Buffer.concat(parts)
    // Small enough to check whole every time: a manifest is the root of trust for its layers.
    if ('sha256:' + createHash('sha256').update(bytes).digest('hex') !== digest) {
      this.components.logger.error({ digest }, 'a stored manifest does not match its digest; dropping it')
      await store.deleteBlob(digest)
      return undefined
    }
    return bytes
  }
}
