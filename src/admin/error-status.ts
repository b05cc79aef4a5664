/**
 * Error name -> HTTP status, at this edge only. The daemon throws typed
 * errors without knowing about HTTP; anything not listed is a 500.
 */

const STATUS_BY_NAME: Readonly<Record<string, number>> = {
  // not found
  BlobNotFoundError: 404,
  ShardNotFoundError: 404,
  RouteNotFoundError: 404,
  ThreatDisabledError: 404,
  UnknownFeedError: 404,
  // invalid input
  InvalidRequestError: 400,
  ScanTargetError: 400,
  InvalidFeedError: 400,
  FeedSourceError: 400,
  FeedExistsError: 409,
  InvalidDigestError: 400,
  BlobDigestMismatchError: 400,
  TooManyShardsError: 400,
  ForbiddenHostError: 403,
  QuarantinedError: 403,
  MethodNotAllowedError: 405,
  PayloadTooLargeError: 413,
  UnsupportedMediaTypeError: 415,
  InvalidRangeError: 416,
  InvalidUsageQueryError: 400,
  UsageQueryLimitError: 400,
  // capacity and time
  TooManyRequestsError: 503,
  AdminStoppingError: 503,
  StoreClosedError: 503,
  UsageLogClosedError: 503,
  RequestTimeoutError: 504,
  StreamIdleError: 408,
  StoreFullError: 507,
  // the swarm or the origin failed us
  FetchFailedError: 502,
  StallError: 502,
  PeerStatusError: 502,
  ShardMismatchError: 502,
  ProtocolError: 502,
  InvalidIndexError: 502
}

/**
 * On `POST /v1/fetch` a digest mismatch is the swarm's fault (a lying index
 * or peer), not the caller's: 502. On `POST /v1/blobs` it is the caller's
 * bytes that do not match the digest they claimed: 400.
 */
const FETCH_OVERRIDES: Readonly<Record<string, number>> = {
  BlobDigestMismatchError: 502
}

export type ErrorContext = 'default' | 'fetch'

export function errorStatus (err: unknown, context: ErrorContext = 'default'): number {
  const name = errorName(err)
  if (context === 'fetch' && FETCH_OVERRIDES[name] != null) return FETCH_OVERRIDES[name]
  return STATUS_BY_NAME[name] ?? 500
}

export function errorName (err: unknown): string {
  if (err instanceof Error || (typeof err === 'object' && err != null && typeof (err as { name?: unknown }).name === 'string')) {
    return (err as { name: string }).name
  }
  return 'Error'
}

export function errorMessage (err: unknown): string {
  if (typeof err === 'object' && err != null && typeof (err as { message?: unknown }).message === 'string') {
    return (err as { message: string }).message
  }
  return String(err)
}
