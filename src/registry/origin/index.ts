/**
 * The origin registry client: how the mirror pulls what neither this node nor
 * its peers have from the registry an image really lives on.
 *
 * Pull side of the OCI distribution API only: manifests and blobs (HEAD and
 * GET) and byte ranges of blobs. Requests go out anonymously and answer a 401
 * with a Bearer token (cached per host and scope) or Basic credentials, from
 * `origins` or docker-style `auths`. Redirects to storage backends are
 * followed without the registry's credentials. Network errors, timeouts, 5xx
 * and 429 are retried with backoff; everything else fails at once with a
 * typed error (`errors.ts`) that names the host, which the mirror maps to an
 * OCI error at its edge. One keep-alive connection pool per host (undici
 * `Agent`), with the host's extra CAs. Manifests are checked against their
 * digest here; blob bodies stream and are the caller's to verify.
 */
import type { Logger } from 'pino'

export * from './constants.js'
export * from './errors.js'
export { OriginClient } from './client.js'
export { originEndpoint, registryKey, type Endpoint } from './endpoint.js'
export { parseChallenges, type Challenge } from './www-authenticate.js'

export interface OriginSettings {
  /** 'https' unless the host is loopback (127.0.0.0/8, ::1, localhost), which defaults to 'http'. */
  scheme?: 'http' | 'https'
  /** PEM file of extra CA certificates to trust for this host (added to Node's roots; read once, when the client is built). */
  caFile?: string
  username?: string
  password?: string
  /** Time for the response headers, and longest gap in a body, per request. @default ORIGIN_TIMEOUT_MS (30 s) */
  timeoutMs?: number
  /** Retries after the first attempt, for network errors, timeouts, 5xx and 429. @default ORIGIN_RETRIES (2) */
  retries?: number
}

export interface OriginClientInit {
  /** Per registry host ("host[:port]"; "docker.io", "index.docker.io" and "registry-1.docker.io" are one). */
  origins?: Record<string, OriginSettings>
  /**
   * docker config.json style: { "host": { "auth": base64("user:pass") } } or
   * { username, password }; keys may be URLs ("https://index.docker.io/v1/").
   * `origins[host].username` wins. Entries without either are skipped.
   */
  auths?: Record<string, { auth?: string, username?: string, password?: string }>
}

export interface OriginClientComponents {
  logger: Logger
}

export interface ManifestResponse {
  bytes: Uint8Array
  /** From Content-Type without parameters, else the JSON `mediaType` field. */
  mediaType: string
  /** sha256 of `bytes`. */
  digest: string
}

export interface ManifestHead {
  digest: string
  mediaType: string
  sizeBytes: number
}
