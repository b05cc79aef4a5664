/**
 * Threat feeds: parsers for malware hash lists, the CISA KEV catalog and
 * EPSS scores (OSV records are parsed by `../osv`), and the store that
 * keeps feeds in the daemon's LevelDB (`<data>/threat`): added from files,
 * directories and URLs, updated incrementally, and read by matching through
 * the `ThreatLookup` interface.
 */
export { parseMalwareList, parseKev, parseEpss, type MalwareHash, type KevEntry, type ParseStats } from './lists.js'
export { InvalidFeedError, FeedExistsError, UnknownFeedError, FeedSourceError, FeedLimitError, InvalidFeedOptionError, FeedStoreClosedError } from './errors.js'
export { ThreatFeedStore } from './store.js'
export { FEED_KINDS, type FeedKind, type FeedInfo, type FeedUpdateResult, type ThreatFeedStoreInit, type AddFeedOptions, type UpdateFeedOptions, type FeedStoreLogger, type FeedFetch, type FeedFetchResponse } from './store-types.js'
