/** Media types, sizes and limits of the embedded origin. */
import { MiB } from '../../src/node/constants.js'

export const MEDIA_TYPE = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  /** What the layers claim to be; their bytes are pseudo-random, not gzip (see index.ts). */
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip'
} as const

/** Layer bytes are made in chunks of this size: `randomStream`'s default, so a layer is exactly `randomStream(sizeBytes, seed)`. */
export const LAYER_CHUNK_BYTES = 1 * MiB
/** While digests are computed at start, the event loop gets a turn after this many bytes. */
export const DIGEST_YIELD_BYTES = 32 * MiB
/** Most distinct layer bytes an origin will generate (and hash at start). */
export const MAX_ORIGIN_BYTES = 64 * 1024 * MiB
/** Longest request path answered; longer ones get 404 NAME_INVALID. */
export const MAX_PATH_CHARS = 2048
/** Idle keep-alive connections are closed after this long. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000
/** The header every OCI distribution registry sends. */
export const API_VERSION_HEADER = 'registry/2.0'
