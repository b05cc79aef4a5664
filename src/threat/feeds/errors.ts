/**
 * Threat-feed errors, each with a fixed `name` so callers (the CLI, the
 * admin API) match on it across module copies and map it to an exit code
 * or an HTTP status at the edge.
 */

/** A feed file that is not the format it claims (or was taken for). */
export class InvalidFeedError extends Error {
  override name = 'InvalidFeedError'
}

/** `add` of a name the store already has. */
export class FeedExistsError extends Error {
  override name = 'FeedExistsError' as const
  constructor (readonly feed: string) {
    super(`a feed named ${JSON.stringify(feed)} already exists; use update to refresh it, or remove it first`)
  }
}

/** `update` or `remove` of a name the store does not have. */
export class UnknownFeedError extends Error {
  override name = 'UnknownFeedError' as const
  constructor (readonly feed: string) {
    super(`no feed named ${JSON.stringify(feed)}; list shows the feeds there are`)
  }
}

/** A source that could not be read or is not a usable feed: the message names the source and what was wrong. */
export class FeedSourceError extends Error {
  override name = 'FeedSourceError' as const
  constructor (readonly source: string, reason: string, options?: { cause?: unknown }) {
    super(`feed source ${source}: ${reason}`, options)
  }
}

/** A source over one of the limits in `constants.ts`. */
export class FeedLimitError extends Error {
  override name = 'FeedLimitError' as const
  constructor (readonly source: string, readonly limit: string, message: string) {
    super(`feed source ${source}: ${message} (limit ${limit})`)
  }
}

/** A bad option (feed name, kind, source, store path); the message names the fix. */
export class InvalidFeedOptionError extends Error {
  override name = 'InvalidFeedOptionError' as const
}

/** A call on a store that is closed. */
export class FeedStoreClosedError extends Error {
  override name = 'FeedStoreClosedError' as const
  constructor () {
    super('the threat-feed store is closed; open a new one')
  }
}
