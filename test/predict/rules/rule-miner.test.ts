import { readFile } from 'node:fs/promises'
import t from 'tap'
import * as constants from '../../../src/predict/rules/constants.js'
import { createRuleMiner, type RuleMinerInit } from '../../../src/predict/rules/index.js'
import { plantedWorld, request } from './helpers.js'

const minute = 60_000
const hour = 60 * minute

t.test('planted groups are recovered with their confidence, order and timing; few false rules', async t => {
  const base = Number(process.env.SEED ?? 1)
  for (let seed = base; seed < base + 4; seed++) {
    // 100 hosts, a session an hour for 24 hours; 10 groups of 5 items, item k pulled with chance
    // [1, 0.9, 0.8, 0.6, 0.5][k] about k seconds into the group; 300 noise items of skewed popularity.
    const world = plantedWorld({ seed, groups: 10, sessionsPerClient: 24 })
    const miner = createRuleMiner({ historyMs: 48 * hour })
    for (const r of world.requests) miner.add(r)
    miner.refresh((world.requests.at(-1)?.tsMs ?? 0) + 10 * minute)
    const stats = miner.stats()
    t.equal(stats.transactions, world.sessions, `seed ${seed}: one session per host per hour`)

    let worst = 0
    let sumError = 0
    let pairs = 0
    let orderOk = true
    let withinOk = true
    for (const group of world.groups) {
      for (let a = 0; a < group.length; a++) {
        for (let b = 0; b < group.length; b++) {
          if (a === b) continue
          const found = miner.expect(group[a] as string).find(e => e.blob === group[b])
          if (found === undefined) {
            t.fail(`seed ${seed}: the planted rule ${group[a]} -> ${group[b]} was not found`)
            continue
          }
          // Binomial standard error of P(b | a) over the sessions holding a.
          const planted = world.inclusion[b] as number
          const holdingA = found.support * stats.transactions / found.confidence
          const standardError = Math.sqrt(planted * (1 - planted) / holdingA)
          const error = Math.abs(found.confidence - planted)
          worst = Math.max(worst, error === 0 ? 0 : error / standardError)
          sumError += Math.abs(found.confidence - planted)
          pairs++
          // b comes about (b - a) seconds after a, +-200 ms, when b > a; before it otherwise.
          if (b > a) {
            orderOk &&= found.orderedConfidence === found.confidence
            withinOk &&= found.withinMs > (b - a) * 1000 - 200 && found.withinMs < (b - a) * 1000 + 200
          } else {
            orderOk &&= found.orderedConfidence === 0 && found.withinMs === 0
          }
        }
      }
    }
    t.equal(pairs, 200, `seed ${seed}: all 200 planted pair rules found`)
    t.ok(worst < 4.5, `seed ${seed}: every confidence within 4.5 standard errors of its planted value (worst ${worst.toFixed(2)})`)
    t.ok(sumError / pairs < 0.03, `seed ${seed}: mean confidence error ${(sumError / pairs).toFixed(3)} < 0.03`)
    t.ok(orderOk, `seed ${seed}: orderedConfidence is the confidence when b follows a, 0 when it precedes`)
    t.ok(withinOk, `seed ${seed}: withinMs is within 200 ms of the planted delay`)

    const groupOf = (item: string): string => item.split('-')[0] as string
    const falseRules = miner.rules().filter(r => groupOf(r.antecedent[0] as string) !== groupOf(r.consequent[0] as string))
    t.ok(falseRules.length <= 0.05 * stats.rules, `seed ${seed}: ${falseRules.length} false rules of ${stats.rules} (at most 5%) pass lift >= 1.5`)
    t.ok(falseRules.every(r => r.confidence < 0.45), `seed ${seed}: none as confident as a planted rule (0.5 and up)`)
  }
})

t.test('sessions: split by a gap, cut at the longest, grouped by client or by region', async t => {
  const miner = createRuleMiner({ minSupport: 1, minConfidence: 0, minLift: 0 })
  miner.add(request(0, 'h1', 'a'))
  miner.add(request(4 * minute, 'h1', 'b'))
  miner.add(request(4 * minute, 'h2', 'a'))
  miner.add(request(10 * minute, 'h1', 'c')) // 6 minutes after b: a new session
  t.match(miner.stats(), { sessions: 1, openSessions: 2 }, 'c closed {a, b}')
  miner.refresh(10 * minute)
  t.match(miner.stats(), { sessions: 2, openSessions: 1 }, 'the refresh closed h2\'s {a}, idle 6 minutes')
  miner.refresh(16 * minute)
  t.match(miner.stats(), { sessions: 3, openSessions: 0, transactions: 3 }, '{a, b}, {a}, {c}')
  t.same(miner.expect('b').map(e => e.blob), ['a'], 'b -> a: confidence 1')
  t.match(miner.expect('b')[0], { confidence: 1, orderedConfidence: 0, withinMs: 0 })
  t.match(miner.expect('a').find(e => e.blob === 'b'), { confidence: 0.5, orderedConfidence: 0.5, withinMs: 4 * minute })

  const long = createRuleMiner({ minSupport: 1 })
  for (let m = 0; m <= 40; m += 4) long.add(request(m * minute, 'h1', `x${m}`))
  long.refresh(50 * minute)
  t.equal(long.stats().sessions, 2, 'requests every 4 minutes for 40 minutes: cut at 30')

  const regions = createRuleMiner({ groupBy: 'region', minSupport: 1, minConfidence: 0, minLift: 0 })
  regions.add(request(0, 'h1', 'a', 'eu'))
  regions.add(request(1000, 'h2', 'b', 'eu'))
  regions.add(request(2000, 'h3', 'c', 'us'))
  regions.add(request(3000, 'h4', 'd'))
  regions.refresh(hour)
  t.equal(regions.stats().sessions, 3, 'eu {a, b}, us {c}, no region {d}')
  t.same(regions.expect('a').map(e => e.blob), ['b'], 'two hosts of one region make one session')
})

t.test('the bounds hold and are counted', async t => {
  const items = createRuleMiner({ maxItemsPerSession: 3, maxItems: 4 })
  for (const [i, blob] of ['a', 'b', 'c', 'd', 'a'].entries()) items.add(request(i, 'h1', blob))
  t.match(items.stats(), { truncatedItems: 1, items: 3, requests: 5 }, 'd is past 3 items a session; a again is no new item')
  items.add(request(10, 'h2', 'x'))
  items.add(request(11, 'h2', 'y'))
  t.match(items.stats(), { refusedItems: 1, items: 4 }, 'y would be a fifth item')
  items.refresh(hour)
  items.add(request(hour + 1, 'h3', 'y'))
  t.match(items.stats(), { refusedItems: 2, items: 4 }, 'closed sessions still hold their items until they leave the history')

  const open = createRuleMiner({ maxOpenSessions: 2 })
  open.add(request(0, 'h1', 'a'))
  open.add(request(1, 'h2', 'a'))
  open.add(request(2, 'h1', 'b'))
  open.add(request(3, 'h3', 'a'))
  t.match(open.stats(), { openSessions: 2, sessions: 1 }, 'h2, the least recently active, was closed to open h3')

  const kept = createRuleMiner({ maxSessions: 3, historyMs: 2 * hour })
  for (let s = 0; s < 5; s++) kept.add(request(s * hour, `h${s}`, 'a'))
  kept.refresh(4 * hour + 10 * minute)
  t.match(kept.stats(), { droppedSessions: 2, expiredSessions: 1, sessions: 2 }, '5 sessions: the 2 oldest over maxSessions (3), then the one that ended at 2 h is over 2 hours old')
  kept.refresh(7 * hour)
  t.match(kept.stats(), { sessions: 0, expiredSessions: 3, items: 0 }, 'all expired, their items forgotten')
})

t.test('too many itemsets: the refresh raises the support and still finds the strong rules', async t => {
  const seed = 11
  const world = plantedWorld({ seed, groups: 10, sessionsPerClient: 24 })
  const miner = createRuleMiner({ historyMs: 48 * hour, minSupport: 1, maxItemsets: 400 })
  for (const r of world.requests) miner.add(r)
  miner.refresh((world.requests.at(-1)?.tsMs ?? 0) + hour)
  const stats = miner.stats()
  t.ok(stats.supportRaises >= 1 && stats.minSupportCount >= 2 && stats.itemsets <= 400, `seed ${seed}: raised ${stats.supportRaises} times to ${stats.minSupportCount}, ${stats.itemsets} itemsets`)
  t.ok(world.groups.every(g => miner.expect(g[0] as string).some(e => e.blob === g[1])), `seed ${seed}: every group's first pair still found`)
})

t.test('expect: the best first, at most maxExpectations, nothing for an unknown blob', async t => {
  const miner = createRuleMiner({ minSupport: 1, minConfidence: 0, minLift: 0, maxExpectations: 2 })
  // a is always followed by b, twice in three by c, once by d.
  const sessions = [['a', 'b', 'c'], ['a', 'b', 'c'], ['a', 'b', 'd']]
  sessions.forEach((items, s) => items.forEach((blob, i) => miner.add(request(s * hour + i * 1000, 'h1', blob))))
  t.same(miner.expect('a'), [], 'nothing before the first refresh')
  miner.refresh(3 * hour)
  t.same(miner.expect('a').map(e => [e.blob, e.confidence]), [['b', 1], ['c', 2 / 3]])
  t.same(miner.expect('zzz'), [])
  t.ok(Object.isFrozen(miner.expect('a')) && Object.isFrozen(miner.rules()[0]), 'answers are shared and frozen')
})

t.test('time order and input are checked', async t => {
  const miner = createRuleMiner()
  miner.add(request(1000, 'h1', 'a'))
  t.throws(() => miner.add(request(999, 'h1', 'b')), { name: 'RequestOrderError' })
  t.throws(() => miner.refresh(999), { name: 'RequestOrderError' })
  t.throws(() => miner.refresh(NaN), { name: 'InvalidRuleInputError' })
  t.throws(() => miner.add({ ...request(2000, 'h1', 'a'), client: '' }), { name: 'InvalidRuleInputError', message: /client/ })
  t.throws(() => miner.add({ ...request(2000, 'h1', 'a'), blob: 'x'.repeat(1025) }), { name: 'InvalidRuleInputError', message: /blob/ })
  t.throws(() => miner.add({ ...request(2000, 'h1', 'a'), tsMs: Infinity }), { name: 'InvalidRuleInputError', message: /tsMs/ })
  t.throws(() => miner.add({ ...request(2000, 'h1', 'a'), region: 5 as unknown as string }), { name: 'InvalidRuleInputError', message: /region/ })
  miner.add(request(1000, 'h2', 'a'))
  t.equal(miner.stats().requests, 2, 'an equal time is in order; refused requests are not counted')
})

t.test('options are checked when the miner is built', async t => {
  const bad: Array<[RuleMinerInit, RegExp]> = [
    [{ sessionGap: 5 } as unknown as RuleMinerInit, /"sessionGap".*sessionGapMs/],
    [{ groupBy: 'host' } as unknown as RuleMinerInit, /groupBy/],
    [{ sessionGapMs: 0 }, /sessionGapMs/],
    [{ maxItemsetSize: 1 }, /maxItemsetSize.*2 to 4/],
    [{ maxItemsetSize: 5 }, /maxItemsetSize/],
    [{ minSupport: 0 }, /minSupport/],
    [{ minConfidence: 2 }, /minConfidence/],
    [{ withinQuantile: -0.1 }, /withinQuantile/],
    [{ maxItemsPerSession: 4097 }, /maxItemsPerSession/],
    [{ maxSessions: 1_000_000, maxItemsPerSession: 11 }, /maxSessions \* maxItemsPerSession/],
    [{ maxRules: 1.5 }, /maxRules/]
  ]
  for (const [init, message] of bad) t.throws(() => createRuleMiner(init), { name: 'InvalidRuleOptionError', message }, JSON.stringify(init))
  t.doesNotThrow(() => createRuleMiner({ minSupport: 0.01, maxItemsetSize: 3, groupBy: 'region', maxRules: undefined }))
})

t.test('the defaults documented in index.ts are the constants', async t => {
  const source = await readFile(new URL('../../../src/predict/rules/index.ts', import.meta.url), 'utf8')
  const UNIT: Record<string, number> = { '': 1, minute, hour }
  const documented = [...source.matchAll(/@default ([A-Z_]+) \(([\d.]+)(?: ([a-z]+))?\)/g)]
  t.equal(documented.length, 23, 'every numeric default is documented')
  for (const [, name = '', value = '', unit = ''] of documented) {
    const actual = (constants as Record<string, unknown>)[name]
    t.equal(actual, Number(value) * (UNIT[unit] ?? NaN), `${name} = ${value} ${unit}`)
  }
})
