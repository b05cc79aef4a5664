/** Defaults and limits of the admin API, built from units. */
import { KiB, minute, second } from '../node/constants.js'

/** Largest JSON request body (`POST /v1/fetch`); 413 above. */
export const MAX_JSON_BODY_BYTES = 64 * KiB
/** Requests handled at once; 503 past it. */
export const MAX_CONCURRENT_REQUESTS = 64
/** Open sockets (idle keep-alive ones included); more are refused by the kernel backlog. */
export const MAX_CONNECTIONS = 256
/** Time a client has to send its request headers. */
export const HEADERS_TIMEOUT_MS = 10 * second
/**
 * Time a short request (status, peers, blobs, shards, metrics) may take.
 * `shards?providers=1` looks up to 256 shards in the DHT, 8 at a time with
 * 3 s each, so this is well above 96 s.
 */
export const REQUEST_TIMEOUT_MS = 2 * minute
/** Time `POST /v1/fetch` may take: a whole blob through the swarm. */
export const FETCH_TIMEOUT_MS = 30 * minute
/** A streaming upload or download that moves no byte for this long is cut. */
export const STREAM_IDLE_TIMEOUT_MS = 2 * minute
/** Idle keep-alive sockets are closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 5 * second
/** Unix socket paths longer than this do not fit `sockaddr_un` (108 bytes on Linux, 104 on macOS). */
export const MAX_SOCKET_PATH_BYTES = 103
/** Permissions of the admin unix socket: only the daemon's user. */
export const SOCKET_MODE = 0o600
/** Permissions of a socket directory the server has to create. */
export const SOCKET_DIR_MODE = 0o700
/** Time to decide whether an existing socket file has a live server behind it. */
export const STALE_SOCKET_PROBE_MS = 1 * second
