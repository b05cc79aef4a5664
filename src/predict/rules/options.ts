/** Check the options of `fpGrowth`, `deriveRules` and `createRuleMiner` once, and fill in the defaults. */
import {
  RULES_HISTORY_MS, RULES_ITEMSET_SIZE_LIMIT, RULES_MAX_DELAY_SAMPLES, RULES_MAX_EXPECTATIONS, RULES_MAX_ITEMS,
  RULES_MAX_ITEMSET_SIZE, RULES_MAX_ITEMSETS, RULES_MAX_ITEMS_PER_SESSION, RULES_MAX_OPEN_SESSIONS, RULES_MAX_RULES,
  RULES_MAX_SESSION_MS, RULES_MAX_SESSIONS, RULES_MAX_TOTAL_ITEMS, RULES_MAX_TRANSACTION_ITEMS, RULES_MAX_TRANSACTIONS, RULES_MIN_CONFIDENCE, RULES_MIN_LIFT,
  RULES_MIN_SUPPORT, RULES_SESSION_GAP_MS, RULES_WITHIN_QUANTILE
} from './constants.js'
import { InvalidRuleOptionError } from './errors.js'
import type { DelaySource, DeriveRulesOptions, FpGrowthOptions, RuleMinerInit } from './index.js'

function known (what: string, options: object, names: readonly string[]): void {
  if (typeof options !== 'object' || options == null) throw new InvalidRuleOptionError(`${what} options must be an object`)
  for (const key of Object.keys(options)) {
    if (!names.includes(key)) throw new InvalidRuleOptionError(`unknown ${what} option "${key}"; known options: ${names.join(', ')}`)
  }
}

/** A whole number in [min, max]. */
function integer (what: string, name: string, value: unknown, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  const v = value ?? fallback
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new InvalidRuleOptionError(`${what} option ${name} must be an integer from ${min} to ${max}, got ${String(v)}`)
  }
  return v
}

/** A finite number in [min, max]. */
function real (what: string, name: string, value: unknown, fallback: number, min: number, max: number): number {
  const v = value ?? fallback
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new InvalidRuleOptionError(`${what} option ${name} must be a number from ${min} to ${max}, got ${String(v)}`)
  }
  return v
}

/** `minSupport` checked: an integer count of at least 1, or a fraction in (0, 1). */
export function checkMinSupport (what: string, value: unknown, fallback?: number): number {
  const v = value ?? fallback
  const ok = typeof v === 'number' && ((Number.isSafeInteger(v) && v >= 1) || (v > 0 && v < 1))
  if (!ok) throw new InvalidRuleOptionError(`${what} option minSupport must be a count of transactions (an integer >= 1) or a fraction in (0, 1), got ${String(v)}`)
  return v
}

/** The least count of transactions `minSupport` means among `transactions`. */
export function supportCount (minSupport: number, transactions: number): number {
  return minSupport < 1 ? Math.max(1, Math.ceil(minSupport * transactions)) : minSupport
}

const FP_GROWTH = ['minSupport', 'maxItemsetSize', 'maxItemsets']

export function fpGrowthOptions (options: FpGrowthOptions, transactions: number): { minCount: number, maxItemsetSize: number, maxItemsets: number } {
  known('fpGrowth', options, FP_GROWTH)
  return {
    minCount: supportCount(checkMinSupport('fpGrowth', options.minSupport), transactions),
    maxItemsetSize: integer('fpGrowth', 'maxItemsetSize', options.maxItemsetSize, RULES_MAX_ITEMSET_SIZE, 1, RULES_ITEMSET_SIZE_LIMIT),
    maxItemsets: integer('fpGrowth', 'maxItemsets', options.maxItemsets, RULES_MAX_ITEMSETS)
  }
}

const DERIVE = ['minConfidence', 'minLift', 'maxRules', 'delays', 'withinQuantile', 'defaultWithinMs']

export interface CheckedDeriveOptions {
  minConfidence: number
  minLift: number
  maxRules: number
  delays: DelaySource | undefined
  withinQuantile: number
  defaultWithinMs: number
}

export function deriveRulesOptions (options: DeriveRulesOptions): CheckedDeriveOptions {
  known('deriveRules', options, DERIVE)
  if (options.delays !== undefined && typeof options.delays !== 'function') {
    throw new InvalidRuleOptionError('deriveRules option delays must be a function (antecedent, consequent) => { count, delaysMs }')
  }
  return {
    minConfidence: real('deriveRules', 'minConfidence', options.minConfidence, RULES_MIN_CONFIDENCE, 0, 1),
    minLift: real('deriveRules', 'minLift', options.minLift, RULES_MIN_LIFT, 0, Number.MAX_VALUE),
    maxRules: integer('deriveRules', 'maxRules', options.maxRules, RULES_MAX_RULES),
    delays: options.delays,
    withinQuantile: real('deriveRules', 'withinQuantile', options.withinQuantile, RULES_WITHIN_QUANTILE, 0, 1),
    defaultWithinMs: real('deriveRules', 'defaultWithinMs', options.defaultWithinMs, RULES_MAX_SESSION_MS, 0, Number.MAX_SAFE_INTEGER)
  }
}

export type RuleMinerOptions = Required<RuleMinerInit>

const MINER = [
  'groupBy', 'sessionGapMs', 'maxSessionMs', 'historyMs', 'maxSessions', 'maxOpenSessions', 'maxItemsPerSession', 'maxItems',
  'minSupport', 'maxItemsetSize', 'maxItemsets', 'minConfidence', 'minLift', 'maxRules', 'maxExpectations', 'withinQuantile',
  'maxDelaySamples'
]

export function ruleMinerOptions (init: RuleMinerInit): RuleMinerOptions {
  known('rule miner', init, MINER)
  const groupBy = init.groupBy ?? 'client'
  if (groupBy !== 'client' && groupBy !== 'region') {
    throw new InvalidRuleOptionError(`rule miner option groupBy must be "client" or "region", got ${String(groupBy)}`)
  }
  const int = (name: keyof RuleMinerInit, fallback: number, max?: number): number => integer('rule miner', name, init[name], fallback, 1, max)
  const num = (name: keyof RuleMinerInit, fallback: number, min: number, max: number): number => real('rule miner', name, init[name], fallback, min, max)
  const options: RuleMinerOptions = {
    groupBy,
    sessionGapMs: int('sessionGapMs', RULES_SESSION_GAP_MS),
    maxSessionMs: int('maxSessionMs', RULES_MAX_SESSION_MS),
    historyMs: int('historyMs', RULES_HISTORY_MS),
    maxSessions: int('maxSessions', RULES_MAX_SESSIONS, RULES_MAX_TRANSACTIONS),
    maxOpenSessions: int('maxOpenSessions', RULES_MAX_OPEN_SESSIONS),
    maxItemsPerSession: int('maxItemsPerSession', RULES_MAX_ITEMS_PER_SESSION, RULES_MAX_TRANSACTION_ITEMS),
    maxItems: int('maxItems', RULES_MAX_ITEMS),
    minSupport: checkMinSupport('rule miner', init.minSupport, RULES_MIN_SUPPORT),
    maxItemsetSize: integer('rule miner', 'maxItemsetSize', init.maxItemsetSize, RULES_MAX_ITEMSET_SIZE, 2, RULES_ITEMSET_SIZE_LIMIT),
    maxItemsets: int('maxItemsets', RULES_MAX_ITEMSETS),
    minConfidence: num('minConfidence', RULES_MIN_CONFIDENCE, 0, 1),
    minLift: num('minLift', RULES_MIN_LIFT, 0, Number.MAX_VALUE),
    maxRules: int('maxRules', RULES_MAX_RULES),
    maxExpectations: int('maxExpectations', RULES_MAX_EXPECTATIONS),
    withinQuantile: num('withinQuantile', RULES_WITHIN_QUANTILE, 0, 1),
    maxDelaySamples: int('maxDelaySamples', RULES_MAX_DELAY_SAMPLES)
  }
  if (options.maxSessions * options.maxItemsPerSession > RULES_MAX_TOTAL_ITEMS) {
    throw new InvalidRuleOptionError(`rule miner options maxSessions * maxItemsPerSession (${options.maxSessions * options.maxItemsPerSession}) must be at most ${RULES_MAX_TOTAL_ITEMS}, the most items fpGrowth mines at once`)
  }
  return options
}
