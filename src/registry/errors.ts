/**
 * Errors of the registry mirror. Each carries the OCI distribution error code
 * and HTTP status it is answered with; `toRegistryError` maps errors thrown
 * by the rest of the daemon (store, exchange, origin client) at this edge.
 */

export abstract class RegistryError extends Error {
  abstract readonly code: string
  abstract readonly status: number
  /** Extra detail for the error body. */
  detail?: unknown
}

export class NameInvalidError extends RegistryError {
  override name = 'NameInvalidError'
  readonly code = 'NAME_INVALID'
  readonly status = 400
}

export class TagInvalidError extends RegistryError {
  override name = 'TagInvalidError'
  readonly code = 'TAG_INVALID'
  readonly status = 400
}

export class DigestInvalidError extends RegistryError {
  override name = 'DigestInvalidError'
  readonly code = 'DIGEST_INVALID'
  readonly status = 400
}

export class NameUnknownError extends RegistryError {
  override name = 'NameUnknownError'
  readonly code = 'NAME_UNKNOWN'
  readonly status = 404
}

export class ManifestUnknownError extends RegistryError {
  override name = 'ManifestUnknownError'
  readonly code = 'MANIFEST_UNKNOWN'
  readonly status = 404
}

export class BlobUnknownError extends RegistryError {
  override name = 'BlobUnknownError'
  readonly code = 'BLOB_UNKNOWN'
  readonly status = 404
}

export class ManifestInvalidError extends RegistryError {
  override name = 'ManifestInvalidError'
  readonly code = 'MANIFEST_INVALID'
  readonly status = 502
}

export class RangeInvalidError extends RegistryError {
  override name = 'RangeInvalidError'
  readonly code = 'RANGE_INVALID'
  readonly status = 416
  constructor (message: string, readonly sizeBytes: number) {
    super(message)
  }
}

export class UnauthorizedError extends RegistryError {
  override name = 'UnauthorizedError'
  readonly code = 'UNAUTHORIZED'
  readonly status = 401
}

export class DeniedError extends RegistryError {
  override name = 'DeniedError'
  readonly code = 'DENIED'
  readonly status = 403
}

export class UnsupportedError extends RegistryError {
  override name = 'UnsupportedError'
  readonly code = 'UNSUPPORTED'
  readonly status = 405
}

/** A request HTTP itself cannot parse. The OCI spec has no code for it; UNSUPPORTED is the nearest. */
export class MalformedRequestError extends RegistryError {
  override name = 'MalformedRequestError'
  readonly code = 'UNSUPPORTED'
  readonly status = 400
}

export class TooManyRequestsError extends RegistryError {
  override name = 'TooManyRequestsError'
  readonly code = 'TOOMANYREQUESTS'
  readonly status = 429
}

export class HeadersTooLargeError extends RegistryError {
  override name = 'HeadersTooLargeError'
  readonly code = 'UNSUPPORTED'
  readonly status = 431
}

/** The origin could not be reached and no peer could stand in. */
export class UnavailableError extends RegistryError {
  override name = 'UnavailableError'
  readonly code = 'UNAVAILABLE'
  readonly status = 503
}

/** A shard of a blob being assembled was evicted before a reader sent it: the client should retry. */
export class ShardEvictedError extends UnavailableError {
  override name = 'ShardEvictedError'
}

/** The blob or manifest could not be assembled (bad data from the swarm or origin). */
export class UpstreamError extends RegistryError {
  override name = 'UpstreamError'
  readonly code = 'UNKNOWN'
  readonly status = 502
}

/** A peer listed a blob's shards while streaming it from the origin, and the origin's bytes cut differently: the client should retry. */
export class ShardListingError extends UpstreamError {
  override name = 'ShardListingError'
}

export class InternalError extends RegistryError {
  override name = 'InternalError'
  readonly code = 'UNKNOWN'
  readonly status = 500
}

function named (err: unknown): { name: string, message: string } {
  if (err instanceof Error) return err
  return { name: 'Error', message: String(err) }
}

/** Map any error to the registry error the client gets. `kind` picks the not-found code. */
export function toRegistryError (err: unknown, kind: 'manifest' | 'blob'): RegistryError {
  if (err instanceof RegistryError) return err
  const { name, message } = named(err)
  switch (name) {
    case 'OriginNotFoundError':
    case 'BlobNotFoundError':
      return kind === 'manifest' ? new ManifestUnknownError(message) : new BlobUnknownError(message)
    case 'OriginUnauthorizedError':
      return new UnauthorizedError(message)
    case 'QuarantinedError':
      return new DeniedError(message)
    case 'OriginUnavailableError':
      return new UnavailableError(message)
    case 'InvalidDigestError':
      return new DigestInvalidError(message)
    case 'InvalidRangeError':
      return new RangeInvalidError(message, 0)
    case 'OriginProtocolError':
    case 'BlobDigestMismatchError':
    case 'FetchFailedError':
    case 'ShardMismatchError':
    case 'InvalidIndexError':
      return new UpstreamError(message)
    case 'StoreFullError':
    case 'StoreClosedError':
      return new UnavailableError(message)
    default:
      return new InternalError(message)
  }
}

/** The OCI error body: `{"errors":[{"code","message","detail"}]}`. */
export function errorBody (err: RegistryError): string {
  return JSON.stringify({ errors: [{ code: err.code, message: err.message, ...(err.detail !== undefined ? { detail: err.detail } : {}) }] })
}
