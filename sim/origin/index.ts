/**
 * The embedded origin: an in-process, read-only OCI registry that serves a
 * workload plan's images with nothing installed and nothing on disk, so
 * `npm run sim` needs no registry. Every layer is `randomStream(sizeBytes,
 * seed)` (`sim/random.ts`), generated as it is sent, from any offset; its
 * sha256 is computed once at start, by streaming, and may be cached across
 * origins. Configs and manifests are small JSON held in memory: OCI image
 * manifests (`application/vnd.oci.image.manifest.v1+json`) whose layers say
 * `application/vnd.oci.image.layer.v1.tar+gzip` although their bytes are
 * not gzip, nor tar: the mirror and the daemons treat layers as opaque
 * blobs and check only digests, but containerd could not unpack these (use
 * test/utils/oci-images.ts for images that must run).
 *
 * `stats` is live: the runner samples `blobBytes` for the origin-egress
 * chart. Bytes are counted as they are handed to the socket.
 */
import type { PlanImage } from '../workload/index.js'
import { buildContent, type ServedImage } from './content.js'
import { OriginServer } from './server.js'

export * from './constants.js'
export { layerChunks, layerDigest, type LayerSource } from './layer-bytes.js'
export { buildContent, sha256, type OriginContent, type ServedImage } from './content.js'
export { parseRange } from './http.js'

export interface EmbeddedOriginInit {
  images: readonly PlanImage[]
  /** @default '127.0.0.1' */
  host?: string
  /** @default 0 (any free port) */
  port?: number
  /** Layer digests by `seed:size`, shared between origins so each is computed once. @default a new one */
  digestCache?: Map<string, string>
  /** Aborts the digest computation at start. */
  signal?: AbortSignal
}

export interface EmbeddedOriginStats {
  /** Every request, answered or refused. */
  requests: number
  manifestRequests: number
  blobRequests: number
  /** Blob body bytes sent (layers and configs; ranges count what they carry). */
  blobBytes: number
  manifestBytes: number
  /** 404 answers. */
  notFound: number
}

export interface EmbeddedOrigin {
  /** `http://127.0.0.1:PORT` */
  url: string
  /** `127.0.0.1:PORT`, as it appears in image references and the mirror's `ns` parameter. */
  host: string
  /** Live counters. */
  stats: EmbeddedOriginStats
  /** What each image became: manifest, config and layer digests. */
  images: ServedImage[]
  /** Layer id -> digest. */
  layerDigests: Map<string, string>
  /** Bytes of the distinct layers served. */
  layerBytes: number
  /** Close the listener and all connections. Safe to call twice. */
  stop: () => Promise<void>
}

export async function startEmbeddedOrigin (init: EmbeddedOriginInit): Promise<EmbeddedOrigin> {
  const content = await buildContent(init.images, init.digestCache, init.signal)
  const server = new OriginServer(content)
  const address = await server.listen(init.host ?? '127.0.0.1', init.port ?? 0)
  const host = address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`
  return {
    url: `http://${host}`,
    host,
    stats: server.stats,
    images: content.images,
    layerDigests: content.layerDigests,
    layerBytes: content.layerBytes,
    stop: async () => { await server.stop() }
  }
}
