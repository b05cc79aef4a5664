/**
 * Errors of the origin client, matched by `name` (the mirror maps them to OCI
 * errors at its edge). Every one names the origin `host` it is about.
 */

/** The origin refused access (401 or 403), with or without the credentials configured for it. */
export class OriginUnauthorizedError extends Error {
  override name = 'OriginUnauthorizedError'
  constructor (message: string, readonly host: string, readonly credentialsConfigured: boolean, readonly status: number) {
    super(message)
  }
}

/** The origin answered 404. `code` is the OCI error code of its body (e.g. MANIFEST_UNKNOWN), when it had one. */
export class OriginNotFoundError extends Error {
  override name = 'OriginNotFoundError'
  constructor (message: string, readonly host: string, readonly code?: string) {
    super(message)
  }
}

/**
 * The origin could not be reached or did not answer usefully: a network
 * error, a timeout, a 5xx or a 429 (after the retries, when it is thrown by
 * the client). `transient` is false for failures a retry cannot mend (an
 * untrusted certificate); `retryAfterMs` is the origin's `Retry-After`.
 */
export class OriginUnavailableError extends Error {
  override name = 'OriginUnavailableError'
  readonly transient: boolean
  readonly retryAfterMs?: number
  constructor (message: string, readonly host: string, options: { cause?: unknown, transient?: boolean, retryAfterMs?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.transient = options.transient ?? true
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs
  }
}

/**
 * The origin refused what was pushed to it: a 4xx other than 401, 403, 408
 * and 429 (a manifest it finds invalid, a blob it does not have, a digest
 * that does not match, a read-only registry). `code` is the OCI error code of
 * its body (MANIFEST_INVALID, MANIFEST_BLOB_UNKNOWN, DIGEST_INVALID, ...),
 * when it had one. Not retried: the same content would be refused again.
 */
export class OriginRejectedError extends Error {
  override name = 'OriginRejectedError'
  constructor (message: string, readonly host: string, readonly status: number, readonly code?: string) {
    super(message)
  }
}

/** The origin answered, but not as the protocol says: a wrong digest, a missing or oversized body, a bad range. */
export class OriginProtocolError extends Error {
  override name = 'OriginProtocolError'
  constructor (message: string, readonly host: string) {
    super(message)
  }
}

/** A setting given to the client is wrong (thrown when the client is built). */
export class InvalidOriginOptionError extends Error {
  override name = 'InvalidOriginOptionError'
}

/** A host, repository, reference, digest or range passed to a method is malformed. */
export class InvalidOriginRequestError extends Error {
  override name = 'InvalidOriginRequestError'
  constructor (message: string, readonly host: string) {
    super(message)
  }
}
