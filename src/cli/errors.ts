/** Errors of the CLI, each with a fixed `name`; `main` turns them into exit codes and `shoal: Name: message`. */

/** Bad command line: unknown command or flag, missing argument. Exit code 2, with the usage. */
export class UsageError extends Error {
  override name = 'UsageError' as const
  constructor (message: string, readonly usage?: string) {
    super(message)
  }
}

/** Nothing answers on the admin socket or URL. */
export class DaemonUnreachableError extends Error {
  override name = 'DaemonUnreachableError' as const
  constructor (readonly target: string, readonly code: string) {
    super(`cannot reach the shoal daemon at ${target} (${code}); is it running? Start it with \`shoal daemon\`, or point --admin or $SHOAL_ADMIN at its socket or URL`)
  }
}

/** The admin socket exists but this user may not open it (it is mode 0600). */
export class AdminPermissionError extends Error {
  override name = 'AdminPermissionError' as const
  constructor (readonly target: string, readonly code: string) {
    super(`not allowed to connect to the shoal daemon at ${target} (${code}); the admin socket is readable by the daemon's user only, so run as that user`)
  }
}

/** An `--admin` value that is neither a socket path, `host:port` nor an `http://` URL. */
export class InvalidAdminTargetError extends Error {
  override name = 'InvalidAdminTargetError' as const
}

/** A query the daemon did not answer in time. */
export class AdminTimeoutError extends Error {
  override name = 'AdminTimeoutError'
  constructor (target: string, what: string, timeoutMs: number) {
    super(`the daemon at ${target} did not answer ${what} within ${timeoutMs / 1000} s; is it overloaded or stuck? (its log says more)`)
  }
}

/** The admin API answered with something that is not its JSON: a different server, or a bug. */
export class AdminResponseError extends Error {
  override name = 'AdminResponseError' as const
  constructor (message: string, readonly status: number) {
    super(message)
  }
}

/**
 * An error the daemon reported, rebuilt with the daemon's error name and
 * message (so callers match `err.name === 'BlobNotFoundError'` as they would
 * in process) and the HTTP status it came with.
 */
export class RemoteError extends Error {
  constructor (name: string, message: string, readonly status: number) {
    super(message)
    this.name = name
  }
}

/** `shoal add DIR` where DIR is not an OCI image layout. */
export class NotAnOciLayoutError extends Error {
  override name = 'NotAnOciLayoutError' as const
}

/** The bytes written by `shoal fetch --out` do not hash to the digest asked for. */
export class BlobDigestMismatchError extends Error {
  override name = 'BlobDigestMismatchError' as const
  constructor (readonly expected: string, readonly actual: string, message: string) {
    super(message)
  }
}
