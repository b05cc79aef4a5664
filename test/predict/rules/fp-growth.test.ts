import t from 'tap'
import { fpGrowth, type Itemset } from '../../../src/predict/rules/index.js'
import { bruteForceItemsets, uniform } from './helpers.js'

const asMap = (itemsets: Itemset[]): Map<string, number> => new Map(itemsets.map(({ items, count }) => [JSON.stringify(items), count]))

t.test('a tiny example, counted by hand', async t => {
  // a: 1,2,3,5 -> 4   b: 1,2,4,5 -> 4   c: 1,3 -> 2   d: 4,5 -> 2
  // ab: 1,2,5 -> 3    ac: 1,3 -> 2      bd: 4,5 -> 2  ad: 5 -> 1  bc: 1 -> 1  cd: none
  // abc: 1 -> 1       abd: 5 -> 1
  const transactions = [['a', 'b', 'c'], ['a', 'b'], ['a', 'c'], ['b', 'd'], ['a', 'b', 'd']]
  t.same(fpGrowth(transactions, { minSupport: 2 }), [
    { items: ['a'], count: 4 },
    { items: ['b'], count: 4 },
    { items: ['a', 'b'], count: 3 },
    { items: ['c'], count: 2 },
    { items: ['d'], count: 2 },
    { items: ['a', 'c'], count: 2 },
    { items: ['b', 'd'], count: 2 }
  ], 'by count, then size, then items')
  t.same(asMap(fpGrowth(transactions, { minSupport: 1, maxItemsetSize: 3 })), new Map([
    ['["a"]', 4], ['["b"]', 4], ['["c"]', 2], ['["d"]', 2],
    ['["a","b"]', 3], ['["a","c"]', 2], ['["b","d"]', 2], ['["a","d"]', 1], ['["b","c"]', 1],
    ['["a","b","c"]', 1], ['["a","b","d"]', 1]
  ]))
  t.same(fpGrowth(transactions, { minSupport: 0.5 }), fpGrowth(transactions, { minSupport: 3 }), 'a fraction: ceil(0.5 * 5) = 3 transactions')
  t.same(fpGrowth(transactions, { minSupport: 2, maxItemsetSize: 1 }).map(s => s.items.length), [1, 1, 1, 1], 'singletons only')
  t.same(fpGrowth([['a', 'a', 'b'], ['a']], { minSupport: 1 }), [{ items: ['a'], count: 2 }, { items: ['b'], count: 1 }, { items: ['a', 'b'], count: 1 }], 'a repeated item counts once')
  t.same(fpGrowth([], { minSupport: 0.5 }), [], 'no transactions, no itemsets')
  t.same(fpGrowth([[], []], { minSupport: 1 }), [], 'empty transactions')
})

t.test('the same itemsets as brute-force enumeration on seeded random transactions', async t => {
  const base = Number(process.env.SEED ?? 20240601)
  for (let run = 0; run < 300; run++) {
    const seed = base + run
    const random = uniform(seed)
    const items = 3 + Math.floor(random() * 28)
    const transactions = Array.from({ length: Math.floor(random() * 200) }, () =>
      // Squared draws skew popularity, so some items are frequent and some itemsets deep.
      Array.from({ length: Math.floor(random() * 13) }, () => `item${Math.floor(items * random() ** 2)}`))
    const maxItemsetSize = 1 + Math.floor(random() * 4)
    const minSupport = random() < 0.5 ? 1 + Math.floor(random() * 5) : 0.01 + random() * 0.3
    const minCount = minSupport < 1 ? Math.max(1, Math.ceil(minSupport * transactions.length)) : minSupport
    const found = fpGrowth(transactions, { minSupport, maxItemsetSize })
    const expected = bruteForceItemsets(transactions, minCount, maxItemsetSize)
    const same = found.length === expected.size && found.every(({ items, count }) => expected.get(JSON.stringify(items)) === count)
    if (!same) {
      t.fail(`seed ${seed} (replay: SEED=${seed}): ${found.length} itemsets found, ${expected.size} expected`, { transactions, minSupport, maxItemsetSize })
      return
    }
  }
  t.pass(`300 random cases from seed ${base} agree with enumeration`)
})

t.test('the order of the transactions does not change the answer', async t => {
  const seed = 77
  const random = uniform(seed)
  const transactions = Array.from({ length: 500 }, () => Array.from({ length: 1 + Math.floor(random() * 8) }, () => `x${Math.floor(40 * random() ** 2)}`))
  const shuffled = [...transactions].reverse().map(tx => [...tx].reverse())
  t.same(fpGrowth(shuffled, { minSupport: 3, maxItemsetSize: 3 }), fpGrowth(transactions, { minSupport: 3, maxItemsetSize: 3 }), `seed ${seed}`)
})

t.test('itemsets past maxItemsets fail with ItemsetLimitError', async t => {
  const transactions = Array.from({ length: 10 }, () => ['a', 'b', 'c', 'd', 'e'])
  t.equal(fpGrowth(transactions, { minSupport: 1, maxItemsetSize: 2, maxItemsets: 15 }).length, 15, '5 singletons + 10 pairs fit exactly')
  t.throws(() => fpGrowth(transactions, { minSupport: 1, maxItemsetSize: 2, maxItemsets: 14 }), { name: 'ItemsetLimitError', message: /more than 14 itemsets.*raise minSupport/ })
})

t.test('options and input are checked', async t => {
  const ok = [['a']]
  for (const minSupport of [0, -1, 1.5, NaN, Infinity, '2']) {
    t.throws(() => fpGrowth(ok, { minSupport } as never), { name: 'InvalidRuleOptionError', message: /minSupport/ }, String(minSupport))
  }
  t.throws(() => fpGrowth(ok, { minSupport: 1, maxItemsetSize: 5 }), { name: 'InvalidRuleOptionError', message: /maxItemsetSize.*1 to 4/ })
  t.throws(() => fpGrowth(ok, { minSupport: 1, maxItemsetSize: 0 }), { name: 'InvalidRuleOptionError', message: /maxItemsetSize/ })
  t.throws(() => fpGrowth(ok, { minSupport: 1, maxItemsets: 0 }), { name: 'InvalidRuleOptionError', message: /maxItemsets/ })
  t.throws(() => fpGrowth(ok, { minSupport: 1, minConfidence: 0.5 } as never), { name: 'InvalidRuleOptionError', message: /"minConfidence"/ })
  t.throws(() => fpGrowth('ab' as never, { minSupport: 1 }), { name: 'InvalidRuleInputError' })
  t.throws(() => fpGrowth([['a'], 'b'] as never, { minSupport: 1 }), { name: 'InvalidRuleInputError', message: /transaction 1/ })
  t.throws(() => fpGrowth([['a', 3]] as never, { minSupport: 1 }), { name: 'InvalidRuleInputError', message: /number/ })
  t.throws(() => fpGrowth([Array.from({ length: 4097 }, (_, i) => `i${i}`)], { minSupport: 1, maxItemsetSize: 1 }), { name: 'InvalidRuleInputError', message: /4097 items/ })
})
