/**
 * Threat intelligence: which known vulnerabilities and malicious files are
 * inside the image layers shoal holds. Four parts: feeds (OSV advisories,
 * CISA KEV, EPSS, malware hash lists), layer inventory (the packages each
 * layer installs, read from dpkg, apk, npm and Python metadata, whiteouts
 * applied, and the sha256 of every file), matching (each installed package
 * against the advisories' affected ranges, in each ecosystem's own version
 * order) and a score per layer (score.ts documents the formula).
 *
 * Then the parts that use them: the feed store (`feeds/store.ts`, the
 * daemon's LevelDB in `<data>/threat`, answering `ThreatLookup`), scans of
 * layers and images (`scan/`), the guard that keeps known malware out of
 * circulation (`guard/`), and `ThreatService`, the operations behind
 * `shoal threat` and the admin API. This module is the
 * package's `shoal/threat` entry point.
 */
export * from './version/index.js'
export { parseOsvRecord, isAffected, fixedVersion, InvalidOsvRecordError, type OsvRecord, type OsvAffected, type OsvRange, type RangeEvent } from './osv/index.js'
export { cvssBaseScore, bestCvss, MAX_CVSS_VECTOR_LENGTH, CVSS_CACHE_ENTRIES, type CvssVersion, type CvssScore, type CvssRating } from './cvss.js'
export * from './feeds/index.js'
export { MemoryThreatLookup, type ThreatLookup, type Advisory } from './lookup.js'
export { inventoryLayer, applyWhiteouts, readTar, type LayerInventory, type ImageInventory } from './inventory/index.js'
export { buildThreatDb, matchPackages, scoreFindings, recordKey, type Finding, type InstalledPackage, type ThreatDb } from './match.js'
export { layerThreatScore, findingWeight, severityOf, NOT_IN_KEV_FACTOR, UNKNOWN_SEVERITY, type ScoredFinding } from './score.js'
export { ThreatService, type ThreatServiceComponents } from './service.js'
export { scanImage, scanLayer, resolveTarget, ScanCache, type ImageScan, type LayerScan } from './scan/index.js'
export { ThreatGuard, QuarantinedError, parseBlockLevels, type BlockLevel } from './guard/index.js'
