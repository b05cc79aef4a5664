/**
 * FP-Growth: every itemset of at most `maxItemsetSize` items held by at
 * least `minSupport` transactions, without generating candidates. Two
 * passes over the transactions (count the items; insert each transaction's
 * frequent items, most frequent first, into an FP-tree), then for each item,
 * least frequent first, its conditional pattern base (the paths above its
 * nodes) gives the itemsets that end in it. The recursion stops at
 * `maxItemsetSize`, and its last level only counts the items above the
 * nodes instead of building a tree. Synchronous and deterministic: the same
 * transactions give the same itemsets in the same order.
 *
 * Cost: building is O(total items + distinct items * log); mining pairs is
 * O(sum over tree nodes of their depth), at most O(sum of squared
 * transaction lengths); each further level repeats that on the conditional
 * trees. `maxItemsets` stops it early (with `ItemsetLimitError`).
 */
import { RULES_MAX_TOTAL_ITEMS, RULES_MAX_TRANSACTION_ITEMS, RULES_MAX_TRANSACTIONS } from './constants.js'
import { InvalidRuleInputError, ItemsetLimitError } from './errors.js'
import { FpTree } from './fp-tree.js'
import type { FpGrowthOptions, Itemset } from './index.js'
import { fpGrowthOptions } from './options.js'

interface Mining {
  minCount: number
  maxSize: number
  maxItemsets: number
  found: Array<{ ids: number[], count: number }>
}

/** Frequent itemsets, by count (highest first), then size, then items; each itemset's items sorted. */
export function fpGrowth (transactions: ReadonlyArray<readonly string[]>, options: FpGrowthOptions): Itemset[] {
  if (!Array.isArray(transactions)) throw new InvalidRuleInputError('transactions must be an array of string arrays')
  if (transactions.length > RULES_MAX_TRANSACTIONS) {
    throw new InvalidRuleInputError(`at most ${RULES_MAX_TRANSACTIONS} transactions can be mined at once, got ${transactions.length}`)
  }
  const { minCount, maxItemsetSize, maxItemsets } = fpGrowthOptions(options, transactions.length)

  let totalItems = 0
  let longest = 0
  transactions.forEach((transaction, t) => {
    if (!Array.isArray(transaction)) throw new InvalidRuleInputError(`transaction ${t} is not an array of strings`)
    if (transaction.length > RULES_MAX_TRANSACTION_ITEMS) {
      throw new InvalidRuleInputError(`transaction ${t} has ${transaction.length} items; at most ${RULES_MAX_TRANSACTION_ITEMS} are accepted`)
    }
    totalItems += transaction.length
    longest = Math.max(longest, transaction.length)
  })
  if (totalItems > RULES_MAX_TOTAL_ITEMS) throw new InvalidRuleInputError(`the transactions hold ${totalItems} items in all; at most ${RULES_MAX_TOTAL_ITEMS} are accepted`)

  // Pass 1: how many transactions hold each item (an item repeated in one counts once). Each
  // item's id is kept in `ids`, transaction after transaction, so pass 2 needs no string lookups.
  const idOf = new Map<string, number>()
  const names: string[] = []
  const counts: number[] = []
  const lastSeen: number[] = []
  const ids = new Int32Array(totalItems)
  let at = 0
  transactions.forEach((transaction, t) => {
    for (const item of transaction) {
      if (typeof item !== 'string') throw new InvalidRuleInputError(`transaction ${t} holds a ${typeof item}, not a string`)
      let id = idOf.get(item)
      if (id === undefined) {
        id = names.length
        idOf.set(item, id)
        names.push(item)
        counts.push(0)
        lastSeen.push(-1)
      }
      ids[at++] = id
      if (lastSeen[id] !== t) {
        lastSeen[id] = t
        counts[id] = (counts[id] as number) + 1
      }
    }
  })

  // Frequent items ranked most frequent first (ties by name, for determinism): the order along every path.
  const frequent = names.map((_, id) => id).filter(id => (counts[id] as number) >= minCount)
  frequent.sort((a, b) => (counts[b] as number) - (counts[a] as number) || compare(names[a] as string, names[b] as string))
  const rankOf = new Int32Array(names.length).fill(-1)
  frequent.forEach((id, rank) => { rankOf[id] = rank })

  // Pass 2: the tree.
  const tree = new FpTree(frequent.length)
  const path = new Int32Array(longest)
  const marked = new Int32Array(frequent.length).fill(-1)
  at = 0
  for (let t = 0; t < transactions.length; t++) {
    const end = at + (transactions[t] as readonly string[]).length
    let length = 0
    for (; at < end; at++) {
      const rank = rankOf[ids[at] as number] as number
      if (rank >= 0 && marked[rank] !== t) {
        marked[rank] = t
        path[length++] = rank
      }
    }
    if (length > 0) tree.insert(sortPrefix(path, length), length, 1)
  }

  const mining: Mining = { minCount, maxSize: maxItemsetSize, maxItemsets, found: [] }
  mine(tree, frequent.map((_, rank) => rank), [], mining)

  const itemsets = mining.found.map(({ ids, count }) => ({ items: ids.map(rank => names[frequent[rank] as number] as string).sort(compare), count }))
  return itemsets.sort((a, b) => b.count - a.count || a.items.length - b.items.length || compareLists(a.items, b.items))
}

/** Itemsets ending (in tree order) with each item of `tree`, each extended by `suffix`. `ranks` maps the tree's ids to global ranks. */
function mine (tree: FpTree, ranks: readonly number[], suffix: readonly number[], mining: Mining): void {
  const above = new Float64Array(tree.items)
  const touched: number[] = []
  const localOf = new Int32Array(tree.items).fill(-1)
  for (let id = tree.items - 1; id >= 0; id--) {
    const total = tree.itemCount[id] as number
    if (total < mining.minCount) continue
    const itemset = [ranks[id] as number, ...suffix]
    emit(mining, itemset, total)
    if (itemset.length >= mining.maxSize) continue

    // The conditional pattern base, first as counts of the items above this item's nodes.
    const nodes = tree.nodesOf[id] as number[]
    for (const node of nodes) {
      const count = tree.count[node] as number
      for (let p = tree.parent[node] as number; p > 0; p = tree.parent[p] as number) {
        const above1 = tree.item[p] as number
        if (above[above1] === 0) touched.push(above1)
        above[above1] = (above[above1] as number) + count
      }
    }
    const keep = touched.filter(other => (above[other] as number) >= mining.minCount).sort((a, b) => a - b)
    if (itemset.length + 1 === mining.maxSize) {
      // The last level: the counts are the itemsets, no tree needed.
      for (const other of keep) emit(mining, [ranks[other] as number, ...itemset], above[other] as number)
    } else if (keep.length > 0) {
      keep.forEach((other, local) => { localOf[other] = local })
      const conditional = new FpTree(keep.length)
      const path = new Int32Array(keep.length)
      for (const node of nodes) {
        // Walking up gives decreasing ids; fill the path from its end so it reads root first.
        let at = keep.length
        for (let p = tree.parent[node] as number; p > 0; p = tree.parent[p] as number) {
          const local = localOf[tree.item[p] as number] as number
          if (local >= 0) path[--at] = local
        }
        if (at < keep.length) conditional.insert(path.subarray(at), keep.length - at, tree.count[node] as number)
      }
      for (const other of keep) localOf[other] = -1
      mine(conditional, keep.map(other => ranks[other] as number), itemset, mining)
    }
    for (const other of touched) above[other] = 0
    touched.length = 0
  }
}

/** `path` with its first `length` values in increasing order: insertion sort for the usual short path, where a typed array's sort costs more in its call than in its work. */
function sortPrefix (path: Int32Array, length: number): Int32Array {
  if (length > 32) return path.subarray(0, length).sort()
  for (let i = 1; i < length; i++) {
    const value = path[i] as number
    let j = i - 1
    while (j >= 0 && (path[j] as number) > value) {
      path[j + 1] = path[j] as number
      j--
    }
    path[j + 1] = value
  }
  return path
}

function emit (mining: Mining, ids: number[], count: number): void {
  if (mining.found.length >= mining.maxItemsets) {
    throw new ItemsetLimitError(`more than ${mining.maxItemsets} itemsets hold at least ${mining.minCount} transactions; raise minSupport, lower maxItemsetSize, or raise maxItemsets`)
  }
  mining.found.push({ ids, count })
}

/** Code-unit order: the same on every machine and locale. */
export function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export function compareLists (a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compare(a[i] as string, b[i] as string)
    if (order !== 0) return order
  }
  return a.length - b.length
}
