/**
 * Rules from frequent itemsets: every split of an itemset I into an
 * antecedent A and a consequent B = I \ A, with
 *   support    = count(I) / N
 *   confidence = count(I) / count(A)        P(B | A)
 *   lift       = confidence / (count(B) / N) how much A raises the odds of B
 * kept when confidence and lift reach their floors. The counts of A and B
 * come from the itemsets themselves (FP-Growth returns every frequent
 * subset of a frequent itemset), so the whole output of `fpGrowth` must be
 * passed. The timing ("after A, expect B within t") comes from a
 * `DelaySource`, asked only for the rules kept.
 */
import { RULES_ITEMSET_SIZE_LIMIT } from './constants.js'
import { InvalidRuleInputError } from './errors.js'
import { compareLists } from './fp-growth.js'
import type { DeriveRulesOptions, Itemset, Rule } from './index.js'
import { deriveRulesOptions } from './options.js'

/** Rules by confidence (highest first), then lift, then count, then items. */
export function deriveRules (itemsets: readonly Itemset[], transactionsCount: number, options: DeriveRulesOptions = {}): Rule[] {
  return deriveRulesCounted(itemsets, transactionsCount, options).rules
}

/** `deriveRules`, also saying how many rules passed the floors but not the `maxRules` cut. */
export function deriveRulesCounted (itemsets: readonly Itemset[], transactionsCount: number, options: DeriveRulesOptions = {}): { rules: Rule[], dropped: number } {
  const o = deriveRulesOptions(options)
  if (!Number.isSafeInteger(transactionsCount) || transactionsCount < 1) {
    throw new InvalidRuleInputError(`transactionsCount must be a positive integer, got ${String(transactionsCount)}`)
  }
  if (!Array.isArray(itemsets)) throw new InvalidRuleInputError('itemsets must be an array of { items, count }')
  const n = transactionsCount
  const singles = new Map<string, number>()
  const countOf = new Map<string, number>()
  const checked: Itemset[] = itemsets.map((itemset, i) => {
    const { items, count } = itemset ?? {}
    if (!Array.isArray(items) || items.length === 0 || items.some(item => typeof item !== 'string')) {
      throw new InvalidRuleInputError(`itemset ${i} must have a non-empty array of string items`)
    }
    if (items.length > RULES_ITEMSET_SIZE_LIMIT) throw new InvalidRuleInputError(`itemset ${i} has ${items.length} items; rules are derived from itemsets of at most ${RULES_ITEMSET_SIZE_LIMIT}`)
    if (new Set(items).size !== items.length) throw new InvalidRuleInputError(`itemset ${i} repeats an item`)
    if (!Number.isSafeInteger(count) || count < 1 || count > n) {
      throw new InvalidRuleInputError(`itemset ${i} count must be an integer from 1 to transactionsCount (${n}), got ${String(count)}`)
    }
    const sorted = [...items].sort()
    // Most lookups are of single items (every pair rule makes two): those skip building a key.
    if (sorted.length === 1) singles.set(sorted[0] as string, count)
    else countOf.set(keyOf(sorted), count)
    return { items: sorted, count }
  })

  const lookup = (items: string[], whole: string[]): number => {
    const count = items.length === 1 ? singles.get(items[0] as string) : countOf.get(keyOf(items))
    if (count === undefined) {
      throw new InvalidRuleInputError(`itemset [${whole.join(', ')}] has no count for its subset [${items.join(', ')}]; pass every itemset fpGrowth returned`)
    }
    return count
  }
  const candidates: Rule[] = []
  for (const { items, count } of checked) {
    if (items.length < 2) continue
    const all = (1 << items.length) - 1
    for (let mask = 1; mask < all; mask++) {
      const antecedent = items.filter((_, bit) => (mask & (1 << bit)) !== 0)
      const consequent = items.filter((_, bit) => (mask & (1 << bit)) === 0)
      const confidence = count / lookup(antecedent, items)
      const lift = confidence * n / lookup(consequent, items)
      if (confidence >= o.minConfidence && lift >= o.minLift) {
        candidates.push({ antecedent, consequent, count, support: count / n, confidence, lift, orderedConfidence: confidence, withinMs: o.defaultWithinMs })
      }
    }
  }
  candidates.sort((a, b) => b.confidence - a.confidence || b.lift - a.lift || b.count - a.count ||
    compareLists(a.antecedent, b.antecedent) || compareLists(a.consequent, b.consequent))
  const rules = candidates.slice(0, o.maxRules)

  if (o.delays !== undefined) {
    for (const rule of rules) {
      const seen = o.delays(rule.antecedent, rule.consequent)
      if (!Number.isSafeInteger(seen?.count) || seen.count < 0 || !Array.isArray(seen.delaysMs)) {
        throw new InvalidRuleInputError('a delay source must return { count: a whole number, delaysMs: number[] }')
      }
      rule.orderedConfidence = Math.min(1, seen.count / lookup(rule.antecedent, rule.antecedent))
      rule.withinMs = seen.delaysMs.length === 0 ? 0 : quantile(seen.delaysMs, o.withinQuantile)
    }
  }
  return { rules, dropped: candidates.length - rules.length }
}

/** The nearest-rank quantile q of `values` (not empty): the smallest value with at least q of them at or below it. */
export function quantile (values: readonly number[], q: number): number {
  const sorted = Float64Array.from(values).sort()
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)))
  return sorted[rank - 1] as number
}

function keyOf (sortedItems: readonly string[]): string {
  return JSON.stringify(sortedItems)
}
