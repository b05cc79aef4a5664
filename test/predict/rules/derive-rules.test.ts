import t from 'tap'
import { deriveRules, fpGrowth, quantile, type DelaySource } from '../../../src/predict/rules/index.js'

// The tiny example of fp-growth.test.ts: N = 5, a: 4, b: 4, c: 2, d: 2, ab: 3, ac: 2, bd: 2.
const transactions = [['a', 'b', 'c'], ['a', 'b'], ['a', 'c'], ['b', 'd'], ['a', 'b', 'd']]
const itemsets = fpGrowth(transactions, { minSupport: 2 })

t.test('support, confidence and lift, computed by hand', async t => {
  const rules = deriveRules(itemsets, 5, { minConfidence: 0, minLift: 0 })
  const find = (from: string, to: string) => rules.find(r => r.antecedent[0] === from && r.consequent[0] === to)
  // a -> b: support 3/5; confidence 3/4; lift (3/4) / (4/5) = 0.9375
  t.match(find('a', 'b'), { count: 3, support: 0.6, confidence: 0.75, lift: 0.9375 })
  // c -> a: support 2/5; confidence 2/2; lift 1 / (4/5) = 1.25.   a -> c: confidence 2/4; lift 0.5 / (2/5) = 1.25
  t.match(find('c', 'a'), { count: 2, support: 0.4, confidence: 1, lift: 1.25 })
  t.match(find('a', 'c'), { count: 2, support: 0.4, confidence: 0.5, lift: 1.25 })
  // d -> b: 2/2, lift 1.25.   b -> d: 2/4, lift 0.5 / (2/5) = 1.25
  t.match(find('d', 'b'), { confidence: 1, lift: 1.25 })
  t.match(find('b', 'd'), { confidence: 0.5, lift: 1.25 })
  t.equal(rules.length, 6, 'two rules per frequent pair')
  t.same(rules.map(r => `${r.antecedent[0]}>${r.consequent[0]}`), ['c>a', 'd>b', 'a>b', 'b>a', 'a>c', 'b>d'], 'by confidence, then lift, count, items')
  t.ok(rules.every(r => r.orderedConfidence === r.confidence && r.withinMs === 30 * 60_000), 'no delay source: order unknown, withinMs the longest session')

  t.same(deriveRules(itemsets, 5, { minConfidence: 0.75, minLift: 0 }).length, 4, 'the confidence floor is inclusive')
  t.same(deriveRules(itemsets, 5, { minConfidence: 0, minLift: 1 }).map(r => r.lift), [1.25, 1.25, 1.25, 1.25], 'lift below 1 gone')
  t.same(deriveRules(itemsets, 5).map(r => `${r.antecedent[0]}>${r.consequent[0]}`), [], 'the default lift floor (1.5) takes them all')
  t.same(deriveRules(itemsets, 5, { minConfidence: 0, minLift: 0, maxRules: 2 }).map(r => r.consequent[0]), ['a', 'b'], 'maxRules keeps the best')
})

t.test('rules of three items split every way', async t => {
  const sets = fpGrowth([['a', 'b', 'c'], ['a', 'b', 'c'], ['a', 'b'], ['c']], { minSupport: 2, maxItemsetSize: 3 })
  const rules = deriveRules(sets, 4, { minConfidence: 0, minLift: 0 })
  const abc = rules.filter(r => r.antecedent.length + r.consequent.length === 3)
  t.equal(abc.length, 6, '2^3 - 2 splits')
  // ab -> c: count(abc) 2 / count(ab) 3; lift (2/3) / (3/4) = 8/9
  t.match(abc.find(r => r.antecedent.join() === 'a,b'), { consequent: ['c'], confidence: 2 / 3, lift: 8 / 9 })
  // c -> ab: 2 / 3; lift (2/3) / (3/4)
  t.match(abc.find(r => r.antecedent.join() === 'c'), { consequent: ['a', 'b'], confidence: 2 / 3 })
})

t.test('a delay source gives the order and the timing', async t => {
  const asked: string[] = []
  const delays: DelaySource = (antecedent, consequent) => {
    asked.push(`${antecedent.join()}>${consequent.join()}`)
    return antecedent[0] === 'c' ? { count: 1, delaysMs: [100, 900, 300, 500, 700] } : { count: 0, delaysMs: [] }
  }
  const rules = deriveRules(itemsets, 5, { minConfidence: 0.6, minLift: 0, delays, withinQuantile: 0.5 })
  t.same(asked, ['c>a', 'd>b', 'a>b', 'b>a'], 'asked about the kept rules only')
  t.match(rules[0], { antecedent: ['c'], orderedConfidence: 0.5, withinMs: 500 }, 'count 1 of c\'s 2 transactions; the median delay')
  t.match(rules[1], { antecedent: ['d'], orderedConfidence: 0, withinMs: 0 }, 'never in that order')
  t.throws(() => deriveRules(itemsets, 5, { minLift: 0, delays: () => ({ count: 1.5, delaysMs: [] }) }), { name: 'InvalidRuleInputError' })
})

t.test('input and options are checked', async t => {
  t.throws(() => deriveRules([{ items: ['a', 'b'], count: 2 }, { items: ['a'], count: 3 }], 5, { minLift: 0 }), { name: 'InvalidRuleInputError', message: /subset \[b\].*every itemset/ })
  t.throws(() => deriveRules(itemsets, 0), { name: 'InvalidRuleInputError', message: /transactionsCount/ })
  t.throws(() => deriveRules([{ items: ['a'], count: 6 }], 5), { name: 'InvalidRuleInputError', message: /count/ })
  t.throws(() => deriveRules([{ items: ['a', 'a'], count: 1 }], 5), { name: 'InvalidRuleInputError', message: /repeats/ })
  t.throws(() => deriveRules([{ items: [], count: 1 }], 5), { name: 'InvalidRuleInputError' })
  t.throws(() => deriveRules([{ items: ['a', 'b', 'c', 'd', 'e'], count: 1 }], 5), { name: 'InvalidRuleInputError', message: /at most 4/ })
  t.throws(() => deriveRules(itemsets, 5, { minConfidence: 1.1 }), { name: 'InvalidRuleOptionError', message: /minConfidence/ })
  t.throws(() => deriveRules(itemsets, 5, { minLift: -1 }), { name: 'InvalidRuleOptionError', message: /minLift/ })
  t.throws(() => deriveRules(itemsets, 5, { support: 1 } as never), { name: 'InvalidRuleOptionError', message: /"support"/ })
  t.throws(() => deriveRules(itemsets, 5, { delays: 5 } as never), { name: 'InvalidRuleOptionError', message: /delays/ })
})

t.test('quantile is the nearest rank', async t => {
  const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5]
  t.equal(quantile(ten, 0.9), 9)
  t.equal(quantile(ten, 0.5), 5)
  t.equal(quantile(ten, 0.91), 10)
  t.equal(quantile(ten, 1), 10)
  t.equal(quantile(ten, 0), 1)
  t.equal(quantile([42], 0.9), 42)
  t.same(ten, [10, 1, 9, 2, 8, 3, 7, 4, 6, 5], 'the input is not sorted in place')
})
