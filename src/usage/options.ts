/** Check a usage log's options once, when it is built, and fill in the defaults. */
import {
  USAGE_BATCH_EVENTS, USAGE_FLUSH_INTERVAL_MS, USAGE_MAX_EVENTS, USAGE_MAX_QUEUED_EVENTS,
  USAGE_PRUNE_INTERVAL_MS, USAGE_RETENTION_MS
} from './constants.js'
import { InvalidUsageOptionError } from './errors.js'
import type { UsageLogInit } from './index.js'

export type UsageLogOptions = Required<UsageLogInit>

/** Node's timers fire at once beyond this (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1

const KNOWN = ['retentionMs', 'pruneIntervalMs', 'maxEvents', 'maxQueuedEvents', 'batchEvents', 'flushIntervalMs']

/** Refuses unknown options (naming the known ones) and values that are not positive integers. */
export function usageLogOptions (init: UsageLogInit): UsageLogOptions {
  if (typeof init !== 'object' || init == null) throw new InvalidUsageOptionError('usage log options must be an object')
  for (const key of Object.keys(init)) {
    if (!KNOWN.includes(key)) throw new InvalidUsageOptionError(`unknown usage log option "${key}"; known options: ${KNOWN.join(', ')}`)
  }
  const positive = (name: keyof UsageLogInit, fallback: number, max = Number.MAX_SAFE_INTEGER): number => {
    const value = init[name] ?? fallback
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > max) {
      throw new InvalidUsageOptionError(`usage log option ${name} must be a positive integer${max < Number.MAX_SAFE_INTEGER ? ` of at most ${max}` : ''}, got ${String(value)}`)
    }
    return value
  }
  const options: UsageLogOptions = {
    retentionMs: positive('retentionMs', USAGE_RETENTION_MS),
    pruneIntervalMs: positive('pruneIntervalMs', USAGE_PRUNE_INTERVAL_MS, MAX_TIMER_MS),
    maxEvents: positive('maxEvents', USAGE_MAX_EVENTS),
    maxQueuedEvents: positive('maxQueuedEvents', USAGE_MAX_QUEUED_EVENTS),
    batchEvents: positive('batchEvents', USAGE_BATCH_EVENTS),
    flushIntervalMs: positive('flushIntervalMs', USAGE_FLUSH_INTERVAL_MS, MAX_TIMER_MS)
  }
  if (options.batchEvents > options.maxQueuedEvents) {
    throw new InvalidUsageOptionError(`usage log option batchEvents (${options.batchEvents}) must not exceed maxQueuedEvents (${options.maxQueuedEvents})`)
  }
  return options
}
