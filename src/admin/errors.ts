/**
 * Errors of the admin API. Each has a fixed `name`; `errorStatus` maps names
 * (these and the daemon's) to HTTP statuses, and the client turns the JSON
 * body back into an Error with the same name.
 */

/** `listen` is not `host:port`, or the host is not loopback; the message names the fix. */
export class AdminListenError extends Error {
  override name = 'AdminListenError' as const
}

/** Neither or both of `socketPath` and `listen`, or another unusable option. */
export class InvalidAdminOptionError extends Error {
  override name = 'InvalidAdminOptionError' as const
}

/** Another server answers on the admin socket path. */
export class AdminAddressInUseError extends Error {
  override name = 'AdminAddressInUseError' as const
}

/** No route for this path. */
export class RouteNotFoundError extends Error {
  override name = 'RouteNotFoundError' as const
}

/** The route exists but not for this method. */
export class MethodNotAllowedError extends Error {
  override name = 'MethodNotAllowedError' as const
  constructor (readonly allow: string[], message: string) {
    super(message)
  }
}

/** A request that cannot be understood: bad JSON, bad query, missing field. */
export class InvalidRequestError extends Error {
  override name = 'InvalidRequestError' as const
}

/** A JSON body above `MAX_JSON_BODY_BYTES`. */
export class PayloadTooLargeError extends Error {
  override name = 'PayloadTooLargeError' as const
}

/** A POST without the content type its route takes. */
export class UnsupportedMediaTypeError extends Error {
  override name = 'UnsupportedMediaTypeError' as const
}

/** A TCP request whose Host header is not loopback (a DNS-rebinding page, say). */
export class ForbiddenHostError extends Error {
  override name = 'ForbiddenHostError' as const
}

/** `MAX_CONCURRENT_REQUESTS` are in progress. */
export class TooManyRequestsError extends Error {
  override name = 'TooManyRequestsError' as const
}

/** A request took longer than its route allows. */
export class RequestTimeoutError extends Error {
  override name = 'RequestTimeoutError' as const
}

/** A streaming upload or download moved no byte for `STREAM_IDLE_TIMEOUT_MS`. */
export class StreamIdleError extends Error {
  override name = 'StreamIdleError' as const
}

/** The server is stopping. */
export class AdminStoppingError extends Error {
  override name = 'AdminStoppingError' as const
}
