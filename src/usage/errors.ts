/** Usage log errors, each with a fixed `name` so callers match on it across module copies. */

/** `tail` or `range` on a log that is not started (or is stopping). */
export class UsageLogClosedError extends Error {
  override name = 'UsageLogClosedError' as const
  constructor (message = 'the usage log is not open; start() it first') {
    super(message)
  }
}

/** An unknown or out-of-range option given to a usage log factory; the message names the fix. */
export class InvalidUsageOptionError extends Error {
  override name = 'InvalidUsageOptionError' as const
}

/** A `tail` or `range` argument out of range: a limit above `USAGE_TAIL_MAX_LIMIT`, a negative time, `fromMs > toMs`. */
export class InvalidUsageQueryError extends Error {
  override name = 'InvalidUsageQueryError' as const
}

/** A query that would have to hold more than its limit in memory (`topLayers` over more than USAGE_TOP_MAX_LAYERS layers). */
export class UsageQueryLimitError extends Error {
  override name = 'UsageQueryLimitError' as const
}
