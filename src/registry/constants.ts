import { KiB, MiB, minute, second } from '../node/constants.js'

/** Where the mirror listens unless told otherwise: loopback only. */
export const DEFAULT_MIRROR_LISTEN = '127.0.0.1:5050'
/** The mirror URL that `shoal containerd configure` points containerd at by default. */
export const DEFAULT_MIRROR_URL = 'http://127.0.0.1:5050'

/** Largest request head (request line and headers) the mirror reads. */
export const MAX_HEADER_BYTES = 16 * KiB
/** Longest URL path. */
export const MAX_PATH_BYTES = 2 * KiB
/** Longest repository name (the distribution spec's limit with its host part). */
export const MAX_NAME_BYTES = 255
/** Largest manifest accepted from the origin or the swarm. */
export const MAX_MANIFEST_BYTES = 4 * MiB
/**
 * A blob or manifest no larger than this, whose size a manifest declared,
 * comes from the origin first (peers when the origin fails): a DHT lookup and
 * a have-map round cost more than its bytes, and its share of origin egress
 * is negligible. Image configs and manifests are a few KiB.
 */
export const SMALL_FROM_ORIGIN_BYTES = 64 * KiB
/** Declared sizes remembered from served manifests. */
export const SIZE_HINTS_MAX = 16_384
/** Requests served at once; more get 429 TOOMANYREQUESTS. */
export const MAX_CONCURRENT_REQUESTS = 256
/** A client that reads no byte of a blob for this long is cut off. */
export const STREAM_IDLE_TIMEOUT_MS = 2 * minute
/** How long the request head may take to arrive. */
export const HEADERS_TIMEOUT_MS = 10 * second

/** A tag resolved against the origin is trusted for this long. */
export const TAG_CACHE_MS = 30 * second
/** Tag resolutions remembered (in memory; the last known one of each is also kept on disk). */
export const TAG_CACHE_ENTRIES = 4096
/**
 * How long the mirror looks for a peer's index of a blob before going to the
 * origin. Kept short: a lookup that finds a provider takes a few round
 * trips, and blobs being fetched right now are found at once through origin
 * claims; every new blob pays this wait before its first byte.
 */
export const PEER_INDEX_TIMEOUT_MS = 1 * second
/** How long to wait for peers' answers about a tag when the origin is unreachable. */
export const PEER_TAG_TIMEOUT_MS = 3 * second

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json'
} as const

/** What the mirror asks the origin for, in order of preference. */
export const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerList, MEDIA_TYPES.dockerManifest]
/**
 * When the threat guard gates serving, blobs up to this size are judged
 * before their first byte leaves, so a refused client gets DENIED with the
 * reason; bigger ones stream and only their last bytes wait for the verdict
 * (a refused one is cut off, and refused outright from then on).
 */
export const JUDGE_BEFORE_HEADERS_MAX_BYTES = 64 * MiB
