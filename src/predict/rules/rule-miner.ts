/**
 * The rule miner: requests in, sessions kept, rules re-mined on `refresh`,
 * and `expect(blob)` answered from an index of the pair rules. See
 * `index.ts` for the contract and the cost of a refresh.
 */
import { performance } from 'node:perf_hooks'
import type { TraceRequest } from '../types.js'
import { RULES_MAX_STRING_CHARS, RULES_MAX_SUPPORT_RAISES } from './constants.js'
import { deriveRulesCounted } from './derive-rules.js'
import { InvalidRuleInputError, ItemsetLimitError, RequestOrderError } from './errors.js'
import { fpGrowth } from './fp-growth.js'
import type { DelaySource, Expectation, Itemset, Rule, RuleMinerInit, RuleMinerStats } from './index.js'
import { ruleMinerOptions, supportCount, type RuleMinerOptions } from './options.js'
import { SessionStore, type Session } from './sessions.js'

const NONE: readonly Expectation[] = Object.freeze([])

export class RuleMiner {
  private readonly options: RuleMinerOptions
  private readonly sessions: SessionStore
  private newestMs = -Infinity
  private kept: readonly Rule[] = []
  private byAntecedent = new Map<string, readonly Expectation[]>()
  private readonly counts = {
    requests: 0,
    refreshes: 0,
    transactions: 0,
    minSupportCount: 0,
    supportRaises: 0,
    itemsets: 0,
    droppedRules: 0,
    lastRefreshMs: null as number | null,
    lastRefreshDurationMs: 0
  }

  constructor (init: RuleMinerInit = {}) {
    this.options = ruleMinerOptions(init)
    this.sessions = new SessionStore(this.options)
  }

  add (request: TraceRequest): void {
    if (typeof request !== 'object' || request == null) throw new InvalidRuleInputError('a request must be an object')
    const { tsMs, client, blob, region } = request
    if (typeof tsMs !== 'number' || !Number.isFinite(tsMs)) throw new InvalidRuleInputError(`request tsMs must be a finite number, got ${String(tsMs)}`)
    checkString('client', client)
    checkString('blob', blob)
    if (region !== undefined) checkString('region', region)
    if (tsMs < this.newestMs) throw new RequestOrderError(`requests must come in time order: ${tsMs} is older than ${this.newestMs}, already added`)
    this.newestMs = tsMs
    this.counts.requests++
    this.sessions.add(this.options.groupBy === 'client' ? client : region ?? '', blob, tsMs)
  }

  refresh (nowMs: number): void {
    if (typeof nowMs !== 'number' || !Number.isFinite(nowMs)) throw new InvalidRuleInputError(`refresh nowMs must be a finite number, got ${String(nowMs)}`)
    if (nowMs < this.newestMs) throw new RequestOrderError(`refresh at ${nowMs} is older than a request already added (${this.newestMs})`)
    const started = performance.now()
    this.sessions.closeIdle(nowMs)
    this.sessions.expire(nowMs)
    const history = this.sessions.history()
    const o = this.options
    let rules: Rule[] = []
    let itemsets: Itemset[] = []
    let minCount = supportCount(o.minSupport, history.length)
    let dropped = 0
    if (history.length > 0) {
      const transactions = history.map(session => session.items)
      for (let raises = 0; ; raises++) {
        try {
          itemsets = fpGrowth(transactions, { minSupport: minCount, maxItemsetSize: o.maxItemsetSize, maxItemsets: o.maxItemsets })
          break
        } catch (err) {
          if (!(err instanceof ItemsetLimitError) || raises >= RULES_MAX_SUPPORT_RAISES) throw err
          minCount *= 2
          this.counts.supportRaises++
        }
      }
      const derived = deriveRulesCounted(itemsets, history.length, {
        minConfidence: o.minConfidence,
        minLift: o.minLift,
        maxRules: o.maxRules,
        withinQuantile: o.withinQuantile,
        defaultWithinMs: o.maxSessionMs,
        delays: delaySource(history, itemsets, o.maxDelaySamples)
      })
      rules = derived.rules
      dropped = derived.dropped
    }

    const byAntecedent = new Map<string, Expectation[]>()
    for (const rule of rules) {
      Object.freeze(rule.antecedent)
      Object.freeze(rule.consequent)
      Object.freeze(rule)
      if (rule.antecedent.length !== 1 || rule.consequent.length !== 1) continue
      const from = rule.antecedent[0] as string
      let list = byAntecedent.get(from)
      if (list === undefined) byAntecedent.set(from, list = [])
      // Rules arrive by confidence, highest first, so the list is too.
      if (list.length < o.maxExpectations) {
        const { confidence, orderedConfidence, lift, support, withinMs } = rule
        list.push(Object.freeze({ blob: rule.consequent[0] as string, confidence, orderedConfidence, lift, support, withinMs }))
      }
    }
    for (const list of byAntecedent.values()) Object.freeze(list)
    this.byAntecedent = byAntecedent
    this.kept = Object.freeze(rules)
    Object.assign(this.counts, {
      refreshes: this.counts.refreshes + 1,
      transactions: history.length,
      minSupportCount: minCount,
      itemsets: itemsets.length,
      droppedRules: dropped,
      lastRefreshMs: nowMs,
      lastRefreshDurationMs: performance.now() - started
    })
  }

  expect (blob: string): readonly Expectation[] {
    return this.byAntecedent.get(blob) ?? NONE
  }

  rules (): readonly Rule[] {
    return this.kept
  }

  stats (): RuleMinerStats {
    const s = this.sessions
    return {
      ...this.counts,
      openSessions: s.openSessions,
      sessions: s.keptSessions,
      items: s.items,
      refusedItems: s.refusedItems,
      truncatedItems: s.truncatedItems,
      droppedSessions: s.droppedSessions,
      expiredSessions: s.expiredSessions,
      rules: this.kept.length
    }
  }
}

function checkString (name: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > RULES_MAX_STRING_CHARS) {
    throw new InvalidRuleInputError(`request ${name} must be a string of 1 to ${RULES_MAX_STRING_CHARS} characters`)
  }
}

interface Postings {
  /** Indexes into the history, increasing. */
  sessions: number[]
  offsetsMs: number[]
}

/**
 * Delays from the sessions themselves: for each item in some itemset of two
 * or more, the sessions holding it and when. A rule's sessions are those of
 * its rarest item that the others' postings also hold (binary search), read
 * newest first so the sample favours recent behaviour.
 */
function delaySource (history: readonly Session[], itemsets: readonly Itemset[], maxSamples: number): DelaySource {
  const postings = new Map<string, Postings>()
  for (const { items } of itemsets) {
    if (items.length < 2) continue
    for (const item of items) if (!postings.has(item)) postings.set(item, { sessions: [], offsetsMs: [] })
  }
  history.forEach((session, index) => {
    session.items.forEach((item, i) => {
      const list = postings.get(item)
      if (list !== undefined) {
        list.sessions.push(index)
        list.offsetsMs.push(session.offsetsMs[i] as number)
      }
    })
  })

  return (antecedent, consequent) => {
    const lists = [...antecedent, ...consequent].map(item => postings.get(item))
    const delaysMs: number[] = []
    if (lists.some(list => list === undefined)) return { count: 0, delaysMs }
    const all = lists as Postings[]
    const rarest = all.reduce((a, b) => (b.sessions.length < a.sessions.length ? b : a))
    let count = 0
    for (let k = rarest.sessions.length - 1; k >= 0; k--) {
      const session = rarest.sessions[k] as number
      let antecedentMs = -Infinity
      let consequentMs = -Infinity
      let held = true
      for (let i = 0; i < all.length && held; i++) {
        const list = all[i] as Postings
        const at = list === rarest ? k : search(list.sessions, session)
        if (at < 0) {
          held = false
        } else if (i < antecedent.length) {
          antecedentMs = Math.max(antecedentMs, list.offsetsMs[at] as number)
        } else {
          consequentMs = Math.max(consequentMs, list.offsetsMs[at] as number)
        }
      }
      if (held && consequentMs >= antecedentMs) {
        count++
        if (delaysMs.length < maxSamples) delaysMs.push(consequentMs - antecedentMs)
      }
    }
    return { count, delaysMs }
  }
}

function search (sorted: readonly number[], value: number): number {
  let lo = 0
  let hi = sorted.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const at = sorted[mid] as number
    if (at === value) return mid
    if (at < value) lo = mid + 1
    else hi = mid - 1
  }
  return -1
}
