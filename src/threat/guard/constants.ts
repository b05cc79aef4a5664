/** Threat guard constants, built from units. */
/** Blobs waiting for a background scan; past it new ones are dropped (and scanned when next served). */
export const GUARD_QUEUE_LENGTH = 1024
/** Background scans at once: scanning is CPU work (inflate, sha256) beside serving. */
export const GUARD_SCAN_CONCURRENCY = 1
/** CVSS-derived severity (score / 10) from which a finding counts as critical, and as high. */
export const CRITICAL_SEVERITY = 0.9
export const HIGH_SEVERITY = 0.7
