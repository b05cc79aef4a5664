/**
 * Shard index artifacts at the origin: pushing them as referrers of an image
 * (`shoal index push`) and finding them when pulling. The Referrers API
 * (`GET /v2/<name>/referrers/<digest>`) where the registry has it; otherwise
 * the referrers tag schema (an OCI index tagged `sha256-<hex>` listing the
 * referrers), which is what Distribution 2.8 needs.
 */
import type { ShardIndex } from '../shard/types.js'
import { chunkBlob } from '../shard/chunk-blob.js'
import type { ChunkerInit } from '../shard/params.js'
import { MAX_INDEX_BYTES } from '../shard/constants.js'
import { MEDIA_TYPES } from './constants.js'
import {
  EMPTY_CONFIG, EMPTY_CONFIG_BYTES, InvalidArtifactError, SHARD_INDEX_ARTIFACT_TYPE, buildArtifact, decodeArtifactLayer,
  isDescriptor, mergeReferrersIndex, parseArtifact, referrersTag, type Descriptor
} from './shard-artifact.js'
import type { OriginRegistry } from './types.js'

/** The origin client, with the push side and the Referrers API. */
export interface ReferrerOrigin extends OriginRegistry {
  putBlob (host: string, repo: string, digest: string, bytes: Uint8Array, options?: { signal?: AbortSignal }): Promise<boolean>
  putManifest (host: string, repo: string, ref: string, bytes: Uint8Array, mediaType: string, options?: { signal?: AbortSignal }): Promise<string>
  getReferrers (host: string, repo: string, digest: string, options?: { artifactType?: string, signal?: AbortSignal }): Promise<{ manifests: Descriptor[] } | undefined>
}

export interface PushedArtifact {
  subject: Descriptor
  platform?: string
  artifact: string
  /** `api`: the registry indexes referrers itself; `tag`: listed under the `sha256-<hex>` tag. */
  via: 'api' | 'tag'
  layers: Array<{ blob: string, index: string, sizeBytes: number, shards: number }>
}

export interface FoundArtifact {
  subject: string
  artifact: string
  via: 'api' | 'tag'
  /** Shard indexes by blob digest. */
  indexes: Map<string, ShardIndex>
}

const IMAGE_MANIFESTS = new Set<string>([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest])
const IMAGE_INDEXES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList])

function json (bytes: Uint8Array): Record<string, unknown> {
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>
}

/** The layer digests of an image manifest (OCI or Docker v2s2). */
export function manifestLayers (bytes: Uint8Array): Descriptor[] {
  const layers = json(bytes).layers
  return Array.isArray(layers) ? layers.filter(isDescriptor) : []
}

/** Compute the shard indexes of an image's layers (streaming each blob) and push them as a referrer artifact; one per platform for an index. */
export async function pushShardIndexes (origin: ReferrerOrigin, host: string, repo: string, ref: string, options: { chunker?: ChunkerInit, signal?: AbortSignal, onLayer?: (blob: string, index: ShardIndex) => void } = {}): Promise<PushedArtifact[]> {
  const { signal } = options
  const top = await origin.getManifest(host, repo, ref, { signal })
  if (IMAGE_INDEXES.has(top.mediaType)) {
    const manifests = json(top.bytes).manifests
    const out: PushedArtifact[] = []
    for (const d of Array.isArray(manifests) ? manifests : []) {
      if (!isDescriptor(d) || !IMAGE_MANIFESTS.has(d.mediaType)) continue
      const p = (d as { platform?: { os?: string, architecture?: string, variant?: string } }).platform
      const platform = p != null ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : undefined
      const pushed = await pushOne(origin, host, repo, { mediaType: d.mediaType, digest: d.digest, size: d.size }, options)
      out.push({ ...pushed, ...(platform != null ? { platform } : {}) })
    }
    return out
  }
  if (!IMAGE_MANIFESTS.has(top.mediaType)) throw new InvalidArtifactError(`${host}/${repo}:${ref} is a ${top.mediaType}, not an image manifest or index`)
  return [await pushOne(origin, host, repo, { mediaType: top.mediaType, digest: top.digest, size: top.bytes.byteLength }, options, top.bytes)]
}

async function pushOne (origin: ReferrerOrigin, host: string, repo: string, subject: Descriptor, options: { chunker?: ChunkerInit, signal?: AbortSignal, onLayer?: (blob: string, index: ShardIndex) => void }, manifestBytes?: Uint8Array): Promise<PushedArtifact> {
  const { signal } = options
  const bytes = manifestBytes ?? (await origin.getManifest(host, repo, subject.digest, { signal })).bytes
  const indexes: ShardIndex[] = []
  for (const layer of manifestLayers(bytes)) {
    const { body } = await origin.getBlob(host, repo, layer.digest, { signal })
    const { index } = await chunkBlob(body, { ...options.chunker, ...(signal != null ? { signal } : {}) })
    if (index.digest !== layer.digest) throw new InvalidArtifactError(`layer ${layer.digest} of ${subject.digest} streamed from ${host} hashes to ${index.digest}`)
    options.onLayer?.(layer.digest, index)
    indexes.push(index)
  }
  const artifact = buildArtifact(subject, indexes)
  await origin.putBlob(host, repo, EMPTY_CONFIG.digest, EMPTY_CONFIG_BYTES, { signal })
  for (const [digest, blob] of artifact.blobs) await origin.putBlob(host, repo, digest, blob, { signal })
  await origin.putManifest(host, repo, artifact.digest, artifact.manifest, MEDIA_TYPES.ociManifest, { signal })
  let via: 'api' | 'tag' = 'api'
  if (await origin.getReferrers(host, repo, subject.digest, { signal }) == null) {
    via = 'tag'
    const tag = referrersTag(subject.digest)
    const existing = await origin.getManifest(host, repo, tag, { signal }).then(m => m.bytes, (err: Error) => {
      if (err.name === 'OriginNotFoundError') return undefined
      throw err
    })
    await origin.putManifest(host, repo, tag, mergeReferrersIndex(existing, artifact.descriptor), MEDIA_TYPES.ociIndex, { signal })
  }
  return {
    subject,
    artifact: artifact.digest,
    via,
    layers: indexes.map((index, i) => ({ blob: index.digest, index: [...artifact.blobs.keys()][i] ?? '', sizeBytes: index.size, shards: index.shards.length }))
  }
}

/** The shard index artifacts listed for `subject`: through the Referrers API, else the tag schema. Undefined when there are none. */
export async function listShardArtifacts (origin: ReferrerOrigin, host: string, repo: string, subject: string, options: { signal?: AbortSignal } = {}): Promise<{ via: 'api' | 'tag', manifests: Descriptor[] } | undefined> {
  const { signal } = options
  const api = await origin.getReferrers(host, repo, subject, { artifactType: SHARD_INDEX_ARTIFACT_TYPE, signal })
  if (api != null) {
    const manifests = api.manifests.filter(d => d.artifactType === SHARD_INDEX_ARTIFACT_TYPE)
    return manifests.length > 0 ? { via: 'api', manifests } : undefined
  }
  const tagged = await origin.getManifest(host, repo, referrersTag(subject), { signal }).catch((err: Error) => {
    if (err.name === 'OriginNotFoundError') return undefined
    throw err
  })
  if (tagged == null) return undefined
  const list = json(tagged.bytes).manifests
  const manifests = (Array.isArray(list) ? list : []).filter(isDescriptor).filter(d => d.artifactType === SHARD_INDEX_ARTIFACT_TYPE)
  return manifests.length > 0 ? { via: 'tag', manifests } : undefined
}

/** Find and validate the shard index artifact of `subject` (the newest listed). Throws InvalidArtifactError for a malformed one. */
export async function fetchShardIndexes (origin: ReferrerOrigin, host: string, repo: string, subject: string, options: { signal?: AbortSignal } = {}): Promise<FoundArtifact | undefined> {
  const { signal } = options
  const listed = await listShardArtifacts(origin, host, repo, subject, options)
  const desc = listed?.manifests.at(-1)
  if (listed == null || desc == null) return undefined
  const m = await origin.getManifest(host, repo, desc.digest, { signal })
  const parsed = parseArtifact(m.bytes, subject)
  const indexes = new Map<string, ShardIndex>()
  for (const layer of parsed.layers) {
    if (layer.descriptor.size > MAX_INDEX_BYTES) throw new InvalidArtifactError(`shard index blob ${layer.descriptor.digest} is ${layer.descriptor.size} bytes, more than ${MAX_INDEX_BYTES}`)
    const { body } = await origin.getBlob(host, repo, layer.descriptor.digest, { signal })
    const parts: Uint8Array[] = []
    let size = 0
    for await (const b of body) {
      size += b.byteLength
      if (size > layer.descriptor.size) throw new InvalidArtifactError(`shard index blob ${layer.descriptor.digest} is longer than its descriptor says`)
      parts.push(b)
    }
    indexes.set(layer.blobDigest, decodeArtifactLayer(layer, Buffer.concat(parts)))
  }
  return { subject, artifact: desc.digest, via: listed.via, indexes }
}

/**
 * The referrers of `subject` as an OCI image index, for the mirror's
 * Referrers API: the origin's Referrers API, else its referrers tag, else an
 * empty index. `filtered` when `artifactType` was applied.
 */
export async function referrersIndex (origin: ReferrerOrigin, host: string, repo: string, subject: string, options: { artifactType?: string, signal?: AbortSignal } = {}): Promise<{ bytes: Uint8Array, filtered: boolean }> {
  const { signal, artifactType } = options
  let manifests: Descriptor[] = []
  const api = await origin.getReferrers(host, repo, subject, { ...(artifactType != null ? { artifactType } : {}), ...(signal != null ? { signal } : {}) })
  if (api != null) {
    manifests = api.manifests
  } else {
    const tagged = await origin.getManifest(host, repo, referrersTag(subject), { signal }).catch((err: Error) => {
      if (err.name === 'OriginNotFoundError') return undefined
      throw err
    })
    const list = tagged != null ? json(tagged.bytes).manifests : []
    manifests = (Array.isArray(list) ? list : []).filter(isDescriptor)
  }
  if (artifactType != null) manifests = manifests.filter(d => d.artifactType === artifactType)
  return { bytes: new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests })), filtered: artifactType != null }
}
