/**
 * Threat feeds: parsers for malware hash lists, the CISA KEV catalog and
 * EPSS scores. (OSV records are parsed by `../osv`.) Storing feeds in the
 * daemon's LevelDB with their dates, incremental updates and
 * `shoal threat feeds` are still to come.
 */
export { parseMalwareList, parseKev, parseEpss, type MalwareHash, type KevEntry, type ParseStats } from './lists.js'
export { InvalidFeedError } from './errors.js'
