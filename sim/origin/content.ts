/**
 * What the embedded origin serves, worked out once at start from a plan's
 * images: each layer's digest (streamed, cached), each image's config and
 * manifest (small JSON, held in memory), and which blobs each repository
 * may serve. Nothing here touches the disk.
 */
import { createHash } from 'node:crypto'
import type { PlanImage } from '../workload/index.js'
import { MAX_ORIGIN_BYTES, MEDIA_TYPE } from './constants.js'
import { layerDigest, type LayerSource } from './layer-bytes.js'

export type Blob =
  | { kind: 'bytes', bytes: Uint8Array, mediaType: string }
  | { kind: 'layer', layer: LayerSource, mediaType: string }

export interface Repository {
  /** tag -> manifest digest */
  tags: Map<string, string>
  /** digest -> manifest bytes */
  manifests: Map<string, Uint8Array>
  /** Blobs this repository's images use (a registry serves a blob only under a repository that has it). */
  blobs: Set<string>
}

export interface ServedImage {
  /** `name:tag` */
  ref: string
  name: string
  tag: string
  manifestDigest: string
  manifestSizeBytes: number
  configDigest: string
  layers: Array<{ id: string, digest: string, sizeBytes: number }>
}

export interface OriginContent {
  repositories: Map<string, Repository>
  blobs: Map<string, Blob>
  images: ServedImage[]
  /** Layer id -> digest. */
  layerDigests: Map<string, string>
  /** Bytes of the distinct layers. */
  layerBytes: number
}

export function sha256 (bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

const encoder = new TextEncoder()

/** The content for `images`; the same images give the same digests, on every machine. */
export async function buildContent (images: readonly PlanImage[], digestCache?: Map<string, string>, signal?: AbortSignal): Promise<OriginContent> {
  const repositories = new Map<string, Repository>()
  const blobs = new Map<string, Blob>()
  const layerDigests = new Map<string, string>()
  const served: ServedImage[] = []
  const refs = new Set<string>()

  const distinct = new Map<string, LayerSource>()
  for (const image of images) {
    for (const l of image.layers) {
      const known = distinct.get(l.id)
      if (known !== undefined && (known.sizeBytes !== l.sizeBytes || known.seed !== l.seed)) throw new RangeError(`layer ${l.id} appears with two sizes or seeds`)
      if (!(Number.isSafeInteger(l.sizeBytes) && l.sizeBytes >= 0)) throw new RangeError(`layer ${l.id}: size ${l.sizeBytes} is not a whole number of bytes`)
      distinct.set(l.id, { sizeBytes: l.sizeBytes, seed: l.seed >>> 0 })
    }
  }
  let layerBytes = 0
  for (const l of distinct.values()) layerBytes += l.sizeBytes
  if (layerBytes > MAX_ORIGIN_BYTES) throw new RangeError(`the images' distinct layers come to ${layerBytes} bytes, more than the ${MAX_ORIGIN_BYTES} the embedded origin serves: scale the workload down`)

  for (const [id, layer] of distinct) {
    signal?.throwIfAborted()
    const digest = await layerDigest(layer, digestCache)
    layerDigests.set(id, digest)
    blobs.set(digest, { kind: 'layer', layer, mediaType: MEDIA_TYPE.layer })
  }

  for (const image of images) {
    const ref = `${image.name}:${image.tag}`
    if (refs.has(ref)) throw new RangeError(`image ${ref} is given twice`)
    refs.add(ref)
    const layers = image.layers.map(l => ({ id: l.id, digest: layerDigests.get(l.id)!, sizeBytes: l.sizeBytes }))
    // Not a real image config: the layers are not tars, so their digests stand in for the diff ids.
    const config = encoder.encode(JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { 'org.shoal.sim.image': ref } },
      rootfs: { type: 'layers', diff_ids: layers.map(l => l.digest) }
    }))
    const configDigest = sha256(config)
    blobs.set(configDigest, { kind: 'bytes', bytes: config, mediaType: MEDIA_TYPE.config })
    const manifest = encoder.encode(JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA_TYPE.manifest,
      config: { mediaType: MEDIA_TYPE.config, digest: configDigest, size: config.byteLength },
      layers: layers.map(l => ({ mediaType: MEDIA_TYPE.layer, digest: l.digest, size: l.sizeBytes }))
    }))
    const manifestDigest = sha256(manifest)
    let repo = repositories.get(image.name)
    if (repo === undefined) repositories.set(image.name, repo = { tags: new Map(), manifests: new Map(), blobs: new Set() })
    repo.tags.set(image.tag, manifestDigest)
    repo.manifests.set(manifestDigest, manifest)
    repo.blobs.add(configDigest)
    for (const l of layers) repo.blobs.add(l.digest)
    served.push({ ref, name: image.name, tag: image.tag, manifestDigest, manifestSizeBytes: manifest.byteLength, configDigest, layers })
  }
  return { repositories, blobs, images: served, layerDigests, layerBytes }
}
