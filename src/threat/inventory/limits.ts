/** Resolve and validate `InventoryLimits` (and the option names around them) once, when an inventory or tar reader is set up. */
import {
  INVENTORY_MAX_ENTRIES, INVENTORY_MAX_PACKAGES, INVENTORY_MAX_PARSE_BYTES, INVENTORY_MAX_PATH_BYTES,
  INVENTORY_MAX_PAX_HEADER_BYTES, INVENTORY_MAX_TOTAL_BYTES
} from './constants.js'
import { InvalidInventoryOptionError } from './errors.js'
import type { InventoryLimits } from './index.js'

export type ResolvedLimits = Required<InventoryLimits>

const DEFAULTS: ResolvedLimits = {
  maxEntries: INVENTORY_MAX_ENTRIES,
  maxPathBytes: INVENTORY_MAX_PATH_BYTES,
  maxParseBytes: INVENTORY_MAX_PARSE_BYTES,
  maxTotalBytes: INVENTORY_MAX_TOTAL_BYTES,
  maxPaxHeaderBytes: INVENTORY_MAX_PAX_HEADER_BYTES,
  maxPackages: INVENTORY_MAX_PACKAGES
}

export function resolveLimits (limits: InventoryLimits = {}): ResolvedLimits {
  const resolved = { ...DEFAULTS }
  for (const [key, value] of Object.entries(limits)) {
    if (!Object.hasOwn(DEFAULTS, key)) {
      throw new InvalidInventoryOptionError(`unknown inventory limit "${key}"; the limits are ${Object.keys(DEFAULTS).join(', ')}`)
    }
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new InvalidInventoryOptionError(`inventory limit ${key} must be a positive integer, got ${String(value)}`)
    }
    resolved[key as keyof ResolvedLimits] = value
  }
  return resolved
}

/** Refuse an option `fn` does not know (a typo would otherwise be silently ignored). */
export function checkOptionNames (options: object, known: string[], fn: string): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new InvalidInventoryOptionError(`unknown ${fn} option "${key}"; the options are ${known.join(', ')}`)
    }
  }
}
