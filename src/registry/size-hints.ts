/**
 * Sizes of blobs and manifests as the manifests that name them declare,
 * remembered from the manifests this mirror serves (bounded; the oldest is
 * forgotten first). A size here only chooses where a blob is fetched from:
 * the bytes are still checked against the digest, wherever they come from.
 */
import { isDescriptor } from './shard-artifact.js'
import { SIZE_HINTS_MAX } from './constants.js'

export class SizeHints {
  private readonly sizes = new Map<string, number>()

  constructor (private readonly max = SIZE_HINTS_MAX) {}

  get size (): number {
    return this.sizes.size
  }

  /** Remember the sizes a manifest declares: its config and layers, or an index's manifests. Anything else is ignored. */
  noteManifest (bytes: Uint8Array): void {
    let m: { config?: unknown, layers?: unknown, manifests?: unknown }
    try {
      m = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as typeof m
    } catch {
      return
    }
    if (typeof m !== 'object' || m == null) return
    const list = [m.config, ...(Array.isArray(m.layers) ? m.layers : []), ...(Array.isArray(m.manifests) ? m.manifests : [])]
    for (const d of list) if (isDescriptor(d)) this.set(d.digest, d.size)
  }

  set (digest: string, sizeBytes: number): void {
    this.sizes.delete(digest)
    this.sizes.set(digest, sizeBytes)
    if (this.sizes.size > this.max) {
      const oldest = this.sizes.keys().next().value
      if (oldest != null) this.sizes.delete(oldest)
    }
  }

  get (digest: string): number | undefined {
    return this.sizes.get(digest)
  }
}
