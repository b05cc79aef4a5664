/** Defaults and limits of the origin registry client. Built from units so they read as what they mean. */
import { KiB, MiB, minute, second } from '../../node/constants.js'

/** Time for the response headers, and longest gap between two body chunks, of one request. */
export const ORIGIN_TIMEOUT_MS = 30 * second
/** Longest `timeoutMs` a host may be given. */
export const MAX_ORIGIN_TIMEOUT_MS = 10 * minute
/** Retries after the first attempt, for network errors, timeouts, 5xx and 429 only. */
export const ORIGIN_RETRIES = 2
/** Most retries a host may be given. */
export const MAX_ORIGIN_RETRIES = 10
/** First retry waits about this long; each one after waits twice as long... */
export const RETRY_BASE_MS = 200
/** ... but never longer than this. A `Retry-After` longer than this is not waited for. */
export const RETRY_CAP_MS = 2 * second

/** Largest token endpoint response. */
export const MAX_TOKEN_RESPONSE_BYTES = 64 * KiB
/** A token without `expires_in` is used for this long (the distribution spec's default)... */
export const TOKEN_DEFAULT_TTL_MS = 60 * second
/** ... and one that says more is still renewed after at most this long. */
export const TOKEN_MAX_TTL_MS = 60 * minute
/** A token is dropped this long before it expires (or at half its life, if that is sooner). */
export const TOKEN_EXPIRY_MARGIN_MS = 10 * second
/** Tokens kept, one per (host, access, scope); the least recently used goes first. */
export const TOKEN_CACHE_ENTRIES = 1024
/** Repositories whose auth challenge is remembered, so that later requests send credentials at once. */
export const AUTH_STATE_ENTRIES = 4096

/** Largest error body read (for its OCI error code); the rest is discarded. */
export const MAX_ERROR_BODY_BYTES = 16 * KiB
/** Largest response head undici accepts (status line and all headers). */
export const MAX_RESPONSE_HEADER_BYTES = 64 * KiB
/** Longest single header value read (`WWW-Authenticate`, `Location`, `Content-Type`, ...). */
export const MAX_HEADER_VALUE_BYTES = 8 * KiB
/** Longest username or password. */
export const MAX_CREDENTIAL_BYTES = 4 * KiB
/** Largest CA file. */
export const MAX_CA_FILE_BYTES = 1 * MiB
/** Largest byte range `getRange` buffers. */
export const MAX_RANGE_BYTES = 64 * MiB
/** Largest blob `putBlob` uploads (in one monolithic PUT, from memory): pushes are of small artifacts. */
export const MAX_PUSH_BLOB_BYTES = 16 * MiB
/** Pages of a Referrers API answer followed (by their `Link: <...>; rel="next"`). */
export const MAX_REFERRERS_PAGES = 16
/** Most referrers one `getReferrers` returns; a subject with more is an OriginProtocolError. */
export const MAX_REFERRERS = 10_000
/** Redirects followed for one request (registry to storage backend, usually one). */
export const MAX_REDIRECTS = 5

/** Hosts with their own connection pool; the least recently used one is closed (gracefully) beyond this. */
export const MAX_ORIGIN_HOSTS = 64
/** Connections kept open to one origin. */
export const CONNECTIONS_PER_ORIGIN = 16
/** An idle keep-alive connection is closed after this long. */
export const KEEP_ALIVE_TIMEOUT_MS = 30 * second

/** `close()` lets requests in flight finish for this long, then cuts them. */
export const CLOSE_GRACE_MS = 2 * second

export const USER_AGENT = 'shoal-origin/0.1'

/** Docker Hub: the names it goes by, and where its registry API actually is. */
export const DOCKER_HUB_HOST = 'docker.io'
export const DOCKER_HUB_ALIASES: readonly string[] = ['docker.io', 'index.docker.io', 'registry-1.docker.io']
export const DOCKER_HUB_REGISTRY = 'registry-1.docker.io'
