/**
 * Version comparison errors, each with a fixed `name` so callers match on it
 * (`err.name === 'InvalidVersionError'`) across module copies.
 */
import { ERROR_QUOTE_LENGTH } from './constants.js'

/**
 * A version the ecosystem cannot order: malformed for it, longer than
 * `MAX_VERSION_LENGTH`, or with characters no version of it contains. The
 * message names the ecosystem and quotes the version (truncated).
 */
export class InvalidVersionError extends Error {
  override name = 'InvalidVersionError' as const
  /** The version, truncated to `ERROR_QUOTE_LENGTH` characters: it may be arbitrarily long. */
  readonly version: string
  constructor (readonly ecosystem: string, version: unknown, readonly reason: string) {
    const shown = truncate(typeof version === 'string' ? version : String(version))
    super(`invalid ${ecosystem} version ${quote(version)}: ${reason}`)
    this.version = shown
  }
}

/** An ecosystem name that is not one of `ECOSYSTEMS`, optionally followed by `:<release>`. */
export class UnsupportedEcosystemError extends Error {
  override name = 'UnsupportedEcosystemError' as const
  /** The name as given, truncated to `ERROR_QUOTE_LENGTH` characters. */
  readonly ecosystem: string
  constructor (ecosystem: unknown, supported: readonly string[]) {
    super(`unsupported ecosystem ${quote(ecosystem)}: expected one of ${supported.join(', ')}, optionally followed by ":<release>"`)
    this.ecosystem = truncate(typeof ecosystem === 'string' ? ecosystem : String(ecosystem))
  }
}

function truncate (s: string): string {
  return s.length > ERROR_QUOTE_LENGTH ? s.slice(0, ERROR_QUOTE_LENGTH) : s
}

/**
 * Quoted and escaped down to printable ASCII (JSON escapes, plus `\uXXXX`
 * for the rest, line separators included), so a hostile string cannot
 * forge log lines.
 */
function quote (value: unknown): string {
  if (typeof value !== 'string') return `(${typeof value})`
  const quoted = JSON.stringify(truncate(value)).replace(/[^\x20-\x7e]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return value.length <= ERROR_QUOTE_LENGTH ? quoted : `${quoted}... (${value.length} characters)`
}
