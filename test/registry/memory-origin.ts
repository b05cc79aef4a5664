/**
 * An in-memory origin registry for mirror tests: implements the mirror's
 * `OriginRegistry` view over maps of manifests and blobs, counts every call,
 * and can be told to fail like a real origin does.
 */
import { createHash } from 'node:crypto'
import type { ReferrerOrigin } from '../../src/registry/index.js'

class OriginError extends Error {
  constructor (override readonly name: string, message: string) { super(message) }
}

export interface Image {
  manifest: Uint8Array
  digest: string
  config: { bytes: Uint8Array, digest: string }
  layers: Array<{ bytes: Uint8Array, digest: string }>
}

export function sha256 (bytes: Uint8Array | string): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex')
}

/** An OCI image manifest over the given layer bytes. */
export function makeImage (layers: Uint8Array[], mediaType = 'application/vnd.oci.image.manifest.v1+json'): Image {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map(l => sha256(l)) } }))
  const ls = layers.map(bytes => ({ bytes, digest: sha256(bytes) }))
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.byteLength },
    layers: ls.map(l => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.bytes.byteLength }))
  }))
  return { manifest, digest: sha256(manifest), config: { bytes: config, digest: sha256(config) }, layers: ls }
}

export class MemoryOrigin implements ReferrerOrigin {
  readonly blobs = new Map<string, Uint8Array>()
  readonly tags = new Map<string, string>()
  readonly calls: Array<{ op: string, ref: string }> = []
  /** 'unavailable' | 'unauthorized' | undefined */
  mode: 'unavailable' | 'unauthorized' | undefined
  /** Digests whose bytes come back damaged. */
  readonly corrupt = new Set<string>()
  /** Delay between 64 KiB pieces of a blob body. */
  pieceDelayMs = 0
  /** Answer the Referrers API (else only the referrers tag schema works, as on Distribution 2.8). */
  referrersApi = false

  constructor (readonly host = 'origin.test') {}

  push (repo: string, tag: string, image: Image): void {
    this.blobs.set(image.digest, image.manifest)
    this.blobs.set(image.config.digest, image.config.bytes)
    for (const l of image.layers) this.blobs.set(l.digest, l.bytes)
    this.tags.set(`${repo}:${tag}`, image.digest)
  }

  count (op: string): number {
    return this.calls.filter(c => c.op === op).length
  }

  private check (host: string, op: string, ref: string): void {
    this.calls.push({ op, ref })
    if (this.mode === 'unavailable') throw new OriginError('OriginUnavailableError', `origin ${host} is unreachable (test)`)
    if (this.mode === 'unauthorized') throw new OriginError('OriginUnauthorizedError', `origin ${host} refused the credentials (test)`)
  }

  private find (host: string, repo: string, ref: string): { digest: string, bytes: Uint8Array } {
    const digest = ref.startsWith('sha256:') ? ref : this.tags.get(`${repo}:${ref}`)
    const bytes = digest != null ? this.blobs.get(digest) : undefined
    if (digest == null || bytes == null) throw new OriginError('OriginNotFoundError', `${host}/${repo}:${ref} not found (test)`)
    return { digest, bytes: this.corrupt.has(digest) ? flip(bytes) : bytes }
  }

  async headManifest (host: string, repo: string, ref: string): Promise<{ digest: string, mediaType: string, sizeBytes: number }> {
    this.check(host, 'headManifest', ref)
    const { digest, bytes } = this.find(host, repo, ref)
    return { digest, mediaType: (JSON.parse(Buffer.from(bytes).toString()) as { mediaType: string }).mediaType, sizeBytes: bytes.byteLength }
  }

  async getManifest (host: string, repo: string, ref: string): Promise<{ bytes: Uint8Array, mediaType: string, digest: string }> {
    this.check(host, 'getManifest', ref)
    const { bytes } = this.find(host, repo, ref)
    return { bytes, mediaType: (JSON.parse(Buffer.from(bytes).toString()) as { mediaType: string }).mediaType, digest: sha256(bytes) }
  }

  async headBlob (host: string, repo: string, digest: string): Promise<{ sizeBytes: number }> {
    this.check(host, 'headBlob', digest)
    return { sizeBytes: this.find(host, repo, digest).bytes.byteLength }
  }

  async getBlob (host: string, repo: string, digest: string, options: { signal?: AbortSignal } = {}): Promise<{ sizeBytes: number, body: AsyncIterable<Uint8Array> }> {
    this.check(host, 'getBlob', digest)
    const { bytes } = this.find(host, repo, digest)
    const delay = this.pieceDelayMs
    async function * body (): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < bytes.byteLength; i += 65536) {
        options.signal?.throwIfAborted()
        if (delay > 0) await new Promise(resolve => setTimeout(resolve, delay))
        yield bytes.subarray(i, i + 65536)
      }
    }
    return { sizeBytes: bytes.byteLength, body: body() }
  }

  async putBlob (host: string, _repo: string, digest: string, bytes: Uint8Array): Promise<boolean> {
    this.check(host, 'putBlob', digest)
    if (sha256(bytes) !== digest) throw new OriginError('OriginRejectedError', `digest mismatch for ${digest} (test)`)
    const had = this.blobs.has(digest)
    this.blobs.set(digest, bytes)
    return !had
  }

  async putManifest (host: string, repo: string, ref: string, bytes: Uint8Array): Promise<string> {
    this.check(host, 'putManifest', ref)
    const digest = sha256(bytes)
    this.blobs.set(digest, bytes)
    if (!ref.startsWith('sha256:')) this.tags.set(`${repo}:${ref}`, digest)
    return digest
  }

  async getReferrers (host: string, _repo: string, digest: string, options: { artifactType?: string } = {}): Promise<{ manifests: Array<{ mediaType: string, digest: string, size: number, artifactType?: string }> } | undefined> {
    this.check(host, 'getReferrers', digest)
    if (!this.referrersApi) return undefined
    const manifests = []
    for (const [d, bytes] of this.blobs) {
      let doc: { subject?: { digest?: string }, artifactType?: string, mediaType?: string } | undefined
      try { doc = JSON.parse(Buffer.from(bytes).toString()) as typeof doc } catch { continue }
      if (doc?.subject?.digest !== digest) continue
      if (options.artifactType != null && doc.artifactType !== options.artifactType) continue
      manifests.push({ mediaType: doc.mediaType ?? '', digest: d, size: bytes.byteLength, ...(doc.artifactType != null ? { artifactType: doc.artifactType } : {}) })
    }
    return { manifests }
  }

  async getRange (host: string, repo: string, digest: string, offset: number, length: number): Promise<Uint8Array> {
    this.check(host, 'getRange', digest)
    return this.find(host, repo, digest).bytes.slice(offset, offset + length)
  }
}

function flip (bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes)
  copy[copy.byteLength >> 1] = (copy[copy.byteLength >> 1] ?? 0) ^ 0xff
  return copy
}
