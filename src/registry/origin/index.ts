/**
 * The origin registry client: how the mirror pulls what neither this node nor
 * its peers have from the registry an image really lives on, and how
 * `shoal index push` puts a shard index artifact next to an image there.
 *
 * Pull side of the OCI distribution API: manifests and blobs (HEAD and GET)
 * and byte ranges of blobs. Push side, for small artifacts held in memory:
 * `putBlob` (HEAD, then a monolithic POST + PUT upload), `putManifest`, and
 * the Referrers API (`getReferrers`, `undefined` where the registry lacks it,
 * as Distribution 2.8 does). Requests go out anonymously and answer a 401
 * with a Bearer token (cached per host, access and scope, so a pull's token
 * never goes with a push) or Basic credentials, from `origins` or
 * docker-style `auths`. Redirects to storage backends are followed without
 * the registry's credentials. Network errors, timeouts, 5xx and 429 are
 * retried with backoff where a retry is safe (a blob upload is restarted
 * from its POST); everything else fails at once with a typed error
 * (`errors.ts`) that names the host, which the mirror maps to an OCI error at
 * its edge; a registry refusing pushed content is `OriginRejectedError`. One
 * keep-alive connection pool per host (undici `Agent`), with the host's extra
 * CAs. Manifests are checked against their digest here; blob bodies stream
 * and are the caller's to verify; what is pushed is checked before it goes.
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

/** A descriptor of a manifest that names another as its `subject`, as the Referrers API lists it. */
export interface ReferrerDescriptor {
  mediaType: string
  digest: string
  size: number
  artifactType?: string
  annotations?: Record<string, string>
}

/** What `getReferrers` answers: the `manifests` of the referrers image index (of all its pages). */
export interface Referrers {
  manifests: ReferrerDescriptor[]
}

/**
 * The calls of `OriginClient` (documented here; see `client.ts`). Every one
 * takes an AbortSignal, checks its arguments before any request
 * (InvalidOriginRequestError), and throws OriginUnauthorizedError (401/403),
 * OriginUnavailableError (after the retries), OriginProtocolError (a
 * malformed answer) or, for pushes, OriginRejectedError.
 */
export interface OriginRegistryClient {
  headManifest (host: string, repo: string, ref: string, options?: { signal?: AbortSignal }): Promise<ManifestHead>
  getManifest (host: string, repo: string, ref: string, options?: { signal?: AbortSignal }): Promise<ManifestResponse>
  headBlob (host: string, repo: string, digest: string, options?: { signal?: AbortSignal }): Promise<{ sizeBytes: number }>
  getBlob (host: string, repo: string, digest: string, options?: { signal?: AbortSignal }): Promise<{ sizeBytes: number, body: AsyncIterable<Uint8Array> }>
  getRange (host: string, repo: string, digest: string, offset: number, length: number, options?: { signal?: AbortSignal }): Promise<Uint8Array>
  /**
   * HEAD the blob and, if absent, upload it monolithically: POST
   * /v2/<repo>/blobs/uploads/ (202 + Location), then PUT <Location> with
   * `digest=<digest>` added to its query and the bytes as
   * application/octet-stream (201). The Location may be relative or
   * absolute; one on another origin gets no credentials. True when uploaded,
   * false when the registry had it. The bytes must hash to `digest` and be
   * at most MAX_PUSH_BLOB_BYTES (16 MiB). The HEAD is retried; the upload is
   * retried whole, from a new POST.
   */
  putBlob (host: string, repo: string, digest: string, bytes: Uint8Array, options?: { signal?: AbortSignal }): Promise<boolean>
  /**
   * PUT /v2/<repo>/manifests/<ref> with Content-Type `mediaType` (a bare
   * media type). `ref` is a tag or the manifest's digest (checked against the
   * bytes); at most MAX_MANIFEST_BYTES (4 MiB). Returns the digest the
   * registry reports in Docker-Content-Digest, else the sha256 of the bytes
   * (a reported sha256 that differs from it is an OriginProtocolError).
   * Retried for transient failures (the same PUT is idempotent).
   */
  putManifest (host: string, repo: string, ref: string, bytes: Uint8Array, mediaType: string, options?: { signal?: AbortSignal }): Promise<string>
  /**
   * GET /v2/<repo>/referrers/<digest>[?artifactType=...] (OCI distribution
   * 1.1), every page of it (`Link: <...>; rel="next"`, at most
   * MAX_REFERRERS_PAGES, MAX_REFERRERS entries). `undefined` when the
   * registry has no Referrers API: a 404 (whatever its body: a registry with
   * the API never answers one, for a repository it has), a 405, or a 200
   * that is not an OCI image index. With `artifactType`, and a registry that
   * does not answer `OCI-Filters-Applied: artifactType`, filtered here.
   */
  getReferrers (host: string, repo: string, digest: string, options?: { artifactType?: string, signal?: AbortSignal }): Promise<Referrers | undefined>
  close (): Promise<void>
}
