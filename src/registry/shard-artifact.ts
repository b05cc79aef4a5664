/**
 * The shard index as an OCI referrer artifact: an image manifest with
 * `artifactType: application/vnd.shoal.shard-index.v1+json`, the empty
 * config, `subject` = the image manifest, and one layer per layer blob of the
 * image: that blob's shard index in its canonical encoding (so the layer's
 * digest is the index CID's hash), annotated with the blob's digest. One
 * layer per blob rather than one document for all: a puller reads only the
 * indexes of the blobs it lacks, and an index shared by two images is one
 * blob in the registry. For an image index, each platform manifest gets its
 * own artifact.
 *
 * Shard locations change by the minute and live in the DHT; shard identities
 * do not, and travelling with the image (pushed by whoever pushes the image)
 * they anchor trust: a puller that finds the artifact uses its indexes and
 * ignores any other index a peer offers.
 */
import { createHash } from 'node:crypto'
import { decodeIndex, encodeIndex } from '../shard/index-codec.js'
import type { ShardIndex } from '../shard/types.js'
import { MEDIA_TYPES } from './constants.js'

export const SHARD_INDEX_ARTIFACT_TYPE = 'application/vnd.shoal.shard-index.v1+json'
export const SHARD_INDEX_MEDIA_TYPE = SHARD_INDEX_ARTIFACT_TYPE
export const EMPTY_CONFIG = {
  mediaType: 'application/vnd.oci.empty.v1+json',
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2
} as const
export const EMPTY_CONFIG_BYTES = new TextEncoder().encode('{}')
/** Annotation on each layer: the digest of the blob whose index it is. */
export const BLOB_DIGEST_ANNOTATION = 'vnd.shoal.blob.digest'
/** Most layers (blob indexes) one artifact may carry. */
export const MAX_ARTIFACT_LAYERS = 1024

export class InvalidArtifactError extends Error {
  override name = 'InvalidArtifactError'
}

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  artifactType?: string
  annotations?: Record<string, string>
}

export interface ShardIndexArtifact {
  manifest: Uint8Array
  digest: string
  /** The layers' bytes (encoded indexes), by digest. */
  blobs: Map<string, Uint8Array>
  /** The descriptor of the artifact manifest, as listed in a referrers index. */
  descriptor: Descriptor
}

function sha256 (bytes: Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex')
}

/** Build the artifact for the image manifest `subject` from its blobs' indexes (in layer order). */
export function buildArtifact (subject: Descriptor, indexes: ShardIndex[]): ShardIndexArtifact {
  if (indexes.length > MAX_ARTIFACT_LAYERS) throw new InvalidArtifactError(`an artifact holds at most ${MAX_ARTIFACT_LAYERS} indexes, got ${indexes.length}`)
  const blobs = new Map<string, Uint8Array>()
  const layers = indexes.map(index => {
    const bytes = encodeIndex(index)
    const digest = sha256(bytes)
    blobs.set(digest, bytes)
    return { mediaType: SHARD_INDEX_MEDIA_TYPE, digest, size: bytes.byteLength, annotations: { [BLOB_DIGEST_ANNOTATION]: index.digest } }
  })
  const manifest = new TextEncoder().encode(JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    artifactType: SHARD_INDEX_ARTIFACT_TYPE,
    config: EMPTY_CONFIG,
    layers,
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size }
  }))
  const digest = sha256(manifest)
  return {
    manifest,
    digest,
    blobs,
    descriptor: { mediaType: MEDIA_TYPES.ociManifest, digest, size: manifest.byteLength, artifactType: SHARD_INDEX_ARTIFACT_TYPE }
  }
}

/** The referrers tag schema's tag for a subject: `sha256-<hex>`. */
export function referrersTag (subjectDigest: string): string {
  return subjectDigest.replace(':', '-')
}

/** Add (or replace) a referrer in a referrers-tag index; returns the new index bytes. */
export function mergeReferrersIndex (existing: Uint8Array | undefined, add: Descriptor): Uint8Array {
  let manifests: Descriptor[] = []
  if (existing != null) {
    try {
      const doc = JSON.parse(Buffer.from(existing).toString('utf8')) as { manifests?: unknown }
      if (Array.isArray(doc.manifests)) manifests = doc.manifests.filter(isDescriptor)
    } catch {
      // A damaged referrers index is replaced: it only lists referrers, which stay in the registry.
    }
  }
  manifests = [...manifests.filter(d => d.digest !== add.digest), add]
  return new TextEncoder().encode(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests }))
}

export function isDescriptor (v: unknown): v is Descriptor {
  const d = v as Descriptor
  return typeof d === 'object' && d != null && typeof d.mediaType === 'string' && typeof d.digest === 'string' &&
    /^sha256:[a-f0-9]{64}$/.test(d.digest) && Number.isSafeInteger(d.size) && d.size >= 0
}

export interface ParsedArtifact {
  subject: Descriptor
  /** Layer descriptors with the blob digest each one indexes. */
  layers: Array<{ descriptor: Descriptor, blobDigest: string }>
}

/** Validate an artifact manifest (bytes whose digest the caller checked). Throws InvalidArtifactError naming the problem. */
export function parseArtifact (bytes: Uint8Array, expectedSubject?: string): ParsedArtifact {
  let doc: Record<string, unknown>
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>
  } catch (err) {
    throw new InvalidArtifactError(`the shard index artifact is not JSON: ${(err as Error).message}`)
  }
  if (typeof doc !== 'object' || doc == null) throw new InvalidArtifactError('the shard index artifact is not a JSON object')
  if (doc.artifactType !== SHARD_INDEX_ARTIFACT_TYPE) throw new InvalidArtifactError(`artifactType is ${JSON.stringify(doc.artifactType)}, not ${SHARD_INDEX_ARTIFACT_TYPE}`)
  if (doc.schemaVersion !== 2) throw new InvalidArtifactError(`schemaVersion is ${JSON.stringify(doc.schemaVersion)}, not 2`)
  if (!isDescriptor(doc.subject)) throw new InvalidArtifactError('the artifact has no valid subject descriptor')
  if (expectedSubject != null && doc.subject.digest !== expectedSubject) throw new InvalidArtifactError(`the artifact's subject is ${doc.subject.digest}, not ${expectedSubject}`)
  if (!Array.isArray(doc.layers)) throw new InvalidArtifactError('the artifact has no layers array')
  if (doc.layers.length > MAX_ARTIFACT_LAYERS) throw new InvalidArtifactError(`the artifact lists ${doc.layers.length} layers; at most ${MAX_ARTIFACT_LAYERS}`)
  const layers = doc.layers.map((l: unknown, i) => {
    if (!isDescriptor(l)) throw new InvalidArtifactError(`layer ${i} is not a valid descriptor`)
    if (l.mediaType !== SHARD_INDEX_MEDIA_TYPE) throw new InvalidArtifactError(`layer ${i} has media type ${l.mediaType}, not ${SHARD_INDEX_MEDIA_TYPE}`)
    const blobDigest = l.annotations?.[BLOB_DIGEST_ANNOTATION]
    if (typeof blobDigest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(blobDigest)) throw new InvalidArtifactError(`layer ${i} lacks a valid ${BLOB_DIGEST_ANNOTATION} annotation`)
    return { descriptor: l, blobDigest }
  })
  return { subject: doc.subject, layers }
}

/** Decode one layer of an artifact: the bytes must match the descriptor and index the annotated blob. */
export function decodeArtifactLayer (layer: { descriptor: Descriptor, blobDigest: string }, bytes: Uint8Array): ShardIndex {
  if (bytes.byteLength !== layer.descriptor.size || sha256(bytes) !== layer.descriptor.digest) {
    throw new InvalidArtifactError(`the shard index blob ${layer.descriptor.digest} does not match its descriptor`)
  }
  let index: ShardIndex
  try {
    index = decodeIndex(bytes)
  } catch (err) {
    throw new InvalidArtifactError(`the shard index blob ${layer.descriptor.digest} is not a valid shard index: ${(err as Error).message}`)
  }
  if (index.digest !== layer.blobDigest) throw new InvalidArtifactError(`the shard index blob ${layer.descriptor.digest} indexes ${index.digest}, but is annotated as the index of ${layer.blobDigest}`)
  return index
}
