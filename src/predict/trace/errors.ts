/** Trace and catalog errors, each with a fixed `name` so callers match on it across module copies. */

/** A trace that cannot be read at all: no header, a required column missing or named twice. Single bad rows are only counted. */
export class TraceFormatError extends Error {
  override name = 'TraceFormatError' as const
}

/** A trace bigger than a limit allows (`limit` names the option to raise). */
export class TraceLimitError extends Error {
  override name = 'TraceLimitError' as const
  constructor (message: string, readonly limit: string) {
    super(message)
  }
}

/** An unknown or out-of-range option of a trace reader, writer or generator; the message names the option and the fix. */
export class TraceOptionError extends Error {
  override name = 'TraceOptionError' as const
}

/** A request that cannot be written as a trace row so that it reads back the same (the message names the request and the field). */
export class InvalidTraceRequestError extends Error {
  override name = 'InvalidTraceRequestError' as const
}

/** A catalog file that is not the Docker Hub metadata array it should be. */
export class CatalogFormatError extends Error {
  override name = 'CatalogFormatError' as const
  constructor (message: string, readonly source: string) {
    super(`${source}: ${message}`)
  }
}
