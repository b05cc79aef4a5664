/** Association rule errors, each with a fixed `name` so callers match on it across module copies. */

/** An unknown or out-of-range option given to `fpGrowth`, `deriveRules` or `createRuleMiner`; the message names it. */
export class InvalidRuleOptionError extends Error {
  override name = 'InvalidRuleOptionError' as const
}

/** Malformed input: a transaction that is not a list of strings, an itemset whose subsets are missing, a request without a client. */
export class InvalidRuleInputError extends Error {
  override name = 'InvalidRuleInputError' as const
}

/** A request older than one already added, or a refresh before the newest request: the miner needs time order. */
export class RequestOrderError extends Error {
  override name = 'RequestOrderError' as const
}

/** Mining found more frequent itemsets than `maxItemsets`; raise `minSupport` (or lower `maxItemsetSize`). */
export class ItemsetLimitError extends Error {
  override name = 'ItemsetLimitError' as const
}
