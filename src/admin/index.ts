/**
 * The admin API: how the CLI (and Prometheus) talk to a running daemon.
 *
 * A small JSON-over-HTTP server on a unix socket (mode 0600) or on loopback
 * TCP, never anything else: it has no authentication of its own. It depends
 * only on `DaemonApi`, so tests run it against an in-memory fake. Paths are
 * versioned (`/v1/...`); errors thrown by the daemon are matched by name and
 * mapped to HTTP statuses here, at the edge, and sent as
 * `{"error": {"name", "message"}}` so the client can rethrow them by name.
 * Every request is bounded: body size, time, and how many run at once; a
 * client that goes away aborts the daemon call it started.
 *
 * Routes: `GET /v1/status`, `GET /v1/peers`, `GET /v1/blobs`,
 * `GET /v1/shards?layer=&providers=1`, `POST /v1/blobs?digest=` (body: the
 * blob), `POST /v1/fetch` (`{"digest"}`), `GET /v1/blobs/<digest>` (bytes,
 * `Range` supported), `GET /metrics`; the threat routes (`threat-routes.ts`)
 * and the replica quorum's (`quorum-routes.ts`: `/v1/quorum/status`,
 * `targets`, `set`, `clear`, `batch`).
 */
import type { DaemonApi } from '../daemon/api.js'
import { AdminHttpServer } from './server.js'

export * from './constants.js'
export * from './errors.js'
export { errorStatus } from './error-status.js'
export { isLoopbackHost, parseListen } from './listen.js'

export interface AdminLogger {
  debug (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  error (obj: object, msg: string): void
}

export interface AdminServerInit {
  /** Serve on this unix socket (a stale socket file is removed; mode 0600). Exactly one of `socketPath` and `listen`. */
  socketPath?: string
  /** Serve on TCP `host:port`; the host must be loopback (127.0.0.0/8, ::1, localhost). Port 0 picks one. */
  listen?: string
  /** @default silent */
  logger?: AdminLogger
  /** @default MAX_CONCURRENT_REQUESTS (64) */
  maxConcurrentRequests?: number
  /** @default MAX_JSON_BODY_BYTES (64 KiB) */
  maxJsonBodyBytes?: number
  /** Time a client has to send its headers. @default HEADERS_TIMEOUT_MS (10 s) */
  headersTimeoutMs?: number
  /** Time a non-streaming request may take (not `POST /v1/fetch`). @default REQUEST_TIMEOUT_MS (2 min) */
  requestTimeoutMs?: number
  /** Time `POST /v1/fetch` may take. @default FETCH_TIMEOUT_MS (30 min) */
  fetchTimeoutMs?: number
  /** A blob upload or download that moves no byte for this long is cut. @default STREAM_IDLE_TIMEOUT_MS (2 min) */
  streamIdleTimeoutMs?: number
}

export interface AdminServer {
  /** Listen. Safe to call twice (the second call waits for the first). */
  start(): Promise<void>
  /** Abort requests in progress, close every connection, remove the socket file. Safe to call twice. */
  stop(): Promise<void>
  /** The socket path, or `http://127.0.0.1:PORT` (the real port once started). */
  address(): string
}

/** Build an admin server; options are checked here and a bad one throws `InvalidAdminOptionError` or `AdminListenError`. */
export function createAdminServer (api: DaemonApi, init: AdminServerInit): AdminServer {
  return new AdminHttpServer(api, init)
}
