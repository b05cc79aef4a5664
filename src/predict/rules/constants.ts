/** Association rule defaults and limits, built from units. The docs in `index.ts` are tested against these. */
import { minute } from '../../node/constants.js'

const hour = 60 * minute

/** A client's (or region's) session ends after this long without a request... */
export const RULES_SESSION_GAP_MS = 5 * minute
/** ... or this long after it began, so a host that pulls all day does not make one endless transaction. */
export const RULES_MAX_SESSION_MS = 30 * minute
/** Sessions that ended longer ago than this leave the history at the next refresh. */
export const RULES_HISTORY_MS = 24 * hour
/** Most closed sessions kept (the oldest-closed leaves first): the transactions one refresh mines. */
export const RULES_MAX_SESSIONS = 20_000
/** Most sessions open at once (one per client or region); beyond it the least recently active one is closed. */
export const RULES_MAX_OPEN_SESSIONS = 10_000
/** Distinct items a session records; later ones are counted as truncated. An image pull is a manifest and ~10 layers. */
export const RULES_MAX_ITEMS_PER_SESSION = 256
/** Distinct items held across all kept sessions; a request for a new item beyond it is refused (counted). */
export const RULES_MAX_ITEMS = 100_000

/**
 * Least support of a mined itemset: a count of sessions (an integer of at least 1) or a fraction in (0, 1).
 * A count, because catalogs are long-tailed: a fraction small enough for the tail is no floor for the head.
 * Below about 10 sessions chance co-occurrences of rare items pass any confidence and lift floor
 * (test/predict/rules/rule-miner.test.ts plants groups in noise: at 3, two false rules for every true one; at 10, about 1 in 100).
 */
export const RULES_MIN_SUPPORT = 10
/** Largest itemset mined: 2 gives the pair rules "after A, expect B". */
export const RULES_MAX_ITEMSET_SIZE = 2
/** Most frequent itemsets one mining may find; past it `fpGrowth` throws `ItemsetLimitError`. */
export const RULES_MAX_ITEMSETS = 200_000
/** Least confidence, P(consequent | antecedent), of a kept rule. */
export const RULES_MIN_CONFIDENCE = 0.3
/** Least lift, confidence / P(consequent), of a kept rule: 1 is independence. */
export const RULES_MIN_LIFT = 1.5
/** Most rules kept after a refresh (the best by confidence, then lift, then count). */
export const RULES_MAX_RULES = 50_000
/** Most expectations `expect` returns for one item. */
export const RULES_MAX_EXPECTATIONS = 16
/** A rule's `withinMs` is this quantile of its observed delays. */
export const RULES_WITHIN_QUANTILE = 0.9
/** Most delays sampled per rule (from the newest sessions) to compute `withinMs`. */
export const RULES_MAX_DELAY_SAMPLES = 256
/** When a refresh finds more itemsets than allowed it doubles the least support count, up to this many times. */
export const RULES_MAX_SUPPORT_RAISES = 8

/** Hard ceilings, not options. Largest `maxItemsetSize` accepted (itemsets grow as n^k). */
export const RULES_ITEMSET_SIZE_LIMIT = 4
/** Most transactions `fpGrowth` accepts. */
export const RULES_MAX_TRANSACTIONS = 1_000_000
/** Most items in one transaction given to `fpGrowth`. */
export const RULES_MAX_TRANSACTION_ITEMS = 4096
/** Most items over all transactions given to `fpGrowth` (it bounds the tree, and keeps its node keys exact doubles). */
export const RULES_MAX_TOTAL_ITEMS = 10_000_000
/** Longest item, client or region string. */
export const RULES_MAX_STRING_CHARS = 1024
