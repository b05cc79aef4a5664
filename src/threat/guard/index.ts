/**
 * The threat guard: scans what the daemon stores, keeps each blob's threat
 * score, and keeps known malware (and, when configured, blocked
 * vulnerabilities) out of circulation. See guard.ts.
 */
export { ThreatGuard, type ThreatGuardInit, type ThreatGuardComponents, type GuardStore, type GuardStats, type QuarantineListener } from './guard.js'
export { parseBlockLevels, quarantineReason, BLOCK_LEVELS, type BlockLevel } from './policy.js'
export { QuarantinedError, InvalidBlockLevelError } from './errors.js'
export * from './constants.js'
