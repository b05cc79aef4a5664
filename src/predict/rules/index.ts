/**
 * Association rules over pull sessions: what one host (or one region)
 * pulls together tells what the next host will pull after the same first
 * layer. `RuleMiner` groups requests into sessions (a new one after
 * `sessionGapMs` of quiet or at `maxSessionMs`), keeps a bounded sliding
 * history of them, and on `refresh` mines the frequent itemsets of that
 * history with `fpGrowth` and turns them into rules with `deriveRules`:
 * "after A, expect B within `withinMs`", with support, confidence and lift.
 * `withinMs` is a quantile (p90 by default) of the delays from A's first
 * request to B's in the sessions that hold both and where B came at or
 * after A; `orderedConfidence` is the share of A's sessions where that
 * happened, the figure a prefetcher wants (confidence counts sessions where
 * B came first too). Only closed sessions are mined: an open one may still
 * be missing the B of its A. `expect(blob)` reads the pair rules
 * (one item each side) from an index rebuilt at each refresh. Manifests and
 * blobs are items alike (a request's `blob`), so "after this manifest,
 * expect these layers" is a rule like any other.
 *
 * Everything is synchronous and deterministic. Limits: the items a session
 * records, the sessions kept and open, the distinct items held, the
 * itemsets one mining may find (past it a refresh doubles the least support
 * count, up to RULES_MAX_SUPPORT_RAISES times), the rules kept and the
 * expectations per item.
 *
 * Cost of a refresh over S kept sessions of at most L items (T items in
 * all, D distinct): sessions O(S + open sessions); FP-tree O(T + D log D);
 * pair mining O(sum of node depths) <= O(S * L^2), each further itemset
 * level the same again on conditional trees, stopped by `maxItemsets`;
 * rules O(itemsets * 2^k); delays O(rules * rarest item's sessions * log S).
 * Measured: 20,000 sessions of 8 items on average (4,000 pair rules) take
 * about 0.4 s of CPU with maxItemsetSize 2 and 0.9 s with 3, on a shared
 * 2-core machine under heavy load; `stats().lastRefreshDurationMs` says
 * what a refresh took. `add` is O(1) (about 2 us) and `expect` O(1).
 */
import { RuleMiner } from './rule-miner.js'

export * from './constants.js'
export * from './errors.js'
export { fpGrowth } from './fp-growth.js'
export { deriveRules, quantile } from './derive-rules.js'
export { RuleMiner } from './rule-miner.js'

/** A set of items and how many transactions hold all of them. */
export interface Itemset {
  /** Sorted (code-unit order), no repeats. */
  items: string[]
  count: number
}

export interface FpGrowthOptions {
  /** Least support: a count of transactions (an integer of at least 1) or a fraction of them in (0, 1). */
  minSupport: number
  /** Largest itemset, 1 to RULES_ITEMSET_SIZE_LIMIT (4). @default RULES_MAX_ITEMSET_SIZE (2) */
  maxItemsetSize?: number
  /** Most itemsets; finding more throws `ItemsetLimitError`. @default RULES_MAX_ITEMSETS (200000) */
  maxItemsets?: number
}

/** "After `antecedent`, expect `consequent` within `withinMs`." */
export interface Rule {
  antecedent: string[]
  consequent: string[]
  /** Transactions holding both sides. */
  count: number
  /** count / transactions. */
  support: number
  /** count / transactions holding the antecedent: P(consequent | antecedent). */
  confidence: number
  /** confidence / P(consequent): above 1 the antecedent makes the consequent likelier. */
  lift: number
  /**
   * Of the transactions holding the antecedent, the share where the whole
   * consequent came at or after the whole antecedent: the chance that the
   * consequent is still to come. At most `confidence`; equal to it when no
   * delay source was given.
   */
  orderedConfidence: number
  /** The `withinQuantile` of the observed delays from antecedent to consequent; 0 if never in that order, `defaultWithinMs` without a delay source. */
  withinMs: number
}

/** What a delay source saw of one rule. */
export interface DelayObservations {
  /** Transactions holding both sides where the consequent came at or after the antecedent. */
  count: number
  /** A sample of those transactions' delays, ms from the antecedent's last first-request to the consequent's. */
  delaysMs: readonly number[]
}

/** Asked by `deriveRules` about each rule it keeps. */
export type DelaySource = (antecedent: readonly string[], consequent: readonly string[]) => DelayObservations

export interface DeriveRulesOptions {
  /** @default RULES_MIN_CONFIDENCE (0.3) */
  minConfidence?: number
  /** @default RULES_MIN_LIFT (1.5) */
  minLift?: number
  /** Most rules returned, the best first. @default RULES_MAX_RULES (50000) */
  maxRules?: number
  /** Where the delays come from; without it, order and timing are unknown. */
  delays?: DelaySource
  /** @default RULES_WITHIN_QUANTILE (0.9) */
  withinQuantile?: number
  /** `withinMs` when there is no delay source: the longest a session lasts bounds every delay. @default RULES_MAX_SESSION_MS (30 minute) */
  defaultWithinMs?: number
}

/** One answer of `expect`: after the asked blob, expect `blob`. */
export interface Expectation {
  blob: string
  confidence: number
  orderedConfidence: number
  lift: number
  support: number
  withinMs: number
}

export interface RuleMinerInit {
  /** What makes a session: one client's requests, or one region's (requests without a region share the region ""). @default 'client' */
  groupBy?: 'client' | 'region'
  /** @default RULES_SESSION_GAP_MS (5 minute) */
  sessionGapMs?: number
  /** @default RULES_MAX_SESSION_MS (30 minute) */
  maxSessionMs?: number
  /** @default RULES_HISTORY_MS (24 hour) */
  historyMs?: number
  /** @default RULES_MAX_SESSIONS (20000) */
  maxSessions?: number
  /** @default RULES_MAX_OPEN_SESSIONS (10000) */
  maxOpenSessions?: number
  /** @default RULES_MAX_ITEMS_PER_SESSION (256) */
  maxItemsPerSession?: number
  /** @default RULES_MAX_ITEMS (100000) */
  maxItems?: number
  /** A count of sessions, or a fraction of those kept. @default RULES_MIN_SUPPORT (10) */
  minSupport?: number
  /** 2 to RULES_ITEMSET_SIZE_LIMIT (4). @default RULES_MAX_ITEMSET_SIZE (2) */
  maxItemsetSize?: number
  /** @default RULES_MAX_ITEMSETS (200000) */
  maxItemsets?: number
  /** @default RULES_MIN_CONFIDENCE (0.3) */
  minConfidence?: number
  /** @default RULES_MIN_LIFT (1.5) */
  minLift?: number
  /** @default RULES_MAX_RULES (50000) */
  maxRules?: number
  /** @default RULES_MAX_EXPECTATIONS (16) */
  maxExpectations?: number
  /** @default RULES_WITHIN_QUANTILE (0.9) */
  withinQuantile?: number
  /** @default RULES_MAX_DELAY_SAMPLES (256) */
  maxDelaySamples?: number
}

export interface RuleMinerStats {
  /** Requests given to `add`. */
  requests: number
  /** Of those, not recorded: a new item while `maxItems` were held... */
  refusedItems: number
  /** ... or a new item in a session already holding `maxItemsPerSession`. */
  truncatedItems: number
  openSessions: number
  /** Closed sessions kept: the next refresh's transactions. */
  sessions: number
  /** Sessions pushed out of the history by `maxSessions`... */
  droppedSessions: number
  /** ... and by `historyMs`. */
  expiredSessions: number
  /** Distinct items held by open or kept sessions. */
  items: number
  refreshes: number
  /** Sessions mined by the last refresh. */
  transactions: number
  /** The least support count the last refresh used (after any raise). */
  minSupportCount: number
  /** Times a refresh doubled the support count because of `maxItemsets`, in all. */
  supportRaises: number
  /** Itemsets the last refresh found. */
  itemsets: number
  /** Rules kept. */
  rules: number
  /** Rules past `maxRules` at the last refresh. */
  droppedRules: number
  /** `nowMs` of the last refresh; null before the first. */
  lastRefreshMs: number | null
  /** Wall-clock time the last refresh took. */
  lastRefreshDurationMs: number
}

export function createRuleMiner (init: RuleMinerInit = {}): RuleMiner {
  return new RuleMiner(init)
}
