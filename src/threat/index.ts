/**
 * Threat intelligence: which known vulnerabilities and malicious files are
 * inside the image layers shoal holds. Four parts: feeds (OSV advisories,
 * CISA KEV, EPSS, malware hash lists), layer inventory (the packages each
 * layer installs, read from dpkg, apk, npm and Python metadata, whiteouts
 * applied, and the sha256 of every file), matching (each installed package
 * against the advisories' affected ranges, in each ecosystem's own version
 * order) and a score per layer (score.ts documents the formula).
 *
 * What exists: version comparison (`version/`), OSV record parsing and range
 * evaluation (`osv/`), the KEV, EPSS and malware-list parsers (`feeds/`),
 * the streaming layer inventory (`inventory/`), matching (`match.ts`) and the
 * score (`score.ts`). Still to come: storing
 * feeds in the daemon, the CLI (`shoal threat ...`), quarantine of malware in
 * the mirror, and scanning layers as they are stored. This module is the
 * package's `shoal/threat` entry point.
 */
export * from './version/index.js'
export { parseOsvRecord, isAffected, fixedVersion, InvalidOsvRecordError, type OsvRecord, type OsvAffected, type OsvRange, type RangeEvent } from './osv/index.js'
export * from './feeds/index.js'
export { inventoryLayer, applyWhiteouts, readTar, type LayerInventory, type ImageInventory } from './inventory/index.js'
export { buildThreatDb, matchPackages, scoreFindings, recordKey, type Finding, type InstalledPackage, type ThreatDb } from './match.js'
export { layerThreatScore, findingWeight, severityOf, NOT_IN_KEV_FACTOR, UNKNOWN_SEVERITY, type ScoredFinding } from './score.js'
