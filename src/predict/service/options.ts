/** Validation of the priority service's options, once, at construction. */
import { computePriorities, type Distances, type PriorityWeights } from '../priority/index.js'
import { DEFAULT_W_PROXIMITY, DEFAULT_W_THREAT, DEFAULT_W_USAGE } from '../priority/index.js'
import {
  PRIORITY_FIRST_ROUND_DELAY_MS, PRIORITY_GOSSIP_LAYERS, PRIORITY_GOSSIP_TTL_ROUNDS, PRIORITY_HISTORY_MS, PRIORITY_INTERVAL_MS,
  PRIORITY_LOCAL_LAYERS, PRIORITY_MAX_EVENTS_PER_ROUND, PRIORITY_MAX_INTERVAL_MS, PRIORITY_MAX_PEERS, PRIORITY_MAX_SCORED,
  PRIORITY_MIN_INTERVAL_MS, PRIORITY_SETTLE_MS
} from './constants.js'
import { InvalidPriorityServiceOptionError } from './errors.js'
import type { PriorityServiceInit } from './index.js'
import { isRegion } from './gossip.js'

export interface ResolvedServiceOptions {
  region: string
  weights: PriorityWeights
  distances: Distances | undefined
  intervalMs: number
  firstRoundDelayMs: number
  historyMs: number
  maxEventsPerRound: number
  settleMs: number
  localLayers: number
  maxScored: number
  gossipLayers: number
  gossipTtlMs: number
  maxPeers: number
}

const KNOWN = new Set(['region', 'weights', 'distances', 'intervalMs', 'firstRoundDelayMs', 'historyMs', 'maxEventsPerRound', 'settleMs', 'localLayers', 'maxScored', 'gossipLayers', 'gossipTtlMs', 'maxPeers'])

export function serviceOptions (init: PriorityServiceInit): ResolvedServiceOptions {
  for (const key of Object.keys(init)) {
    if (!KNOWN.has(key)) throw new InvalidPriorityServiceOptionError(`unknown priority option ${JSON.stringify(key)}; known: ${[...KNOWN].join(', ')}`)
  }
  if (!isRegion(init.region)) throw new InvalidPriorityServiceOptionError(`region: ${JSON.stringify(init.region)} must be a region name (letters, digits, '.', '_', '-'; at most 64)`)
  const number = (name: string, v: number | undefined, d: number, min: number, max: number, integer = false): number => {
    const x = v ?? d
    if (typeof x !== 'number' || !(x >= min && x <= max) || (integer && !Number.isSafeInteger(x))) {
      throw new InvalidPriorityServiceOptionError(`${name}: ${String(x)} must be a ${integer ? 'whole ' : ''}number from ${min} to ${max}`)
    }
    return x
  }
  const weights = { usage: DEFAULT_W_USAGE, threat: DEFAULT_W_THREAT, proximity: DEFAULT_W_PROXIMITY, ...init.weights }
  try {
    // Scoring nothing checks the weights and the distances as a round would, so a bad one fails here, not every round.
    computePriorities([], { weights, ...(init.distances != null ? { distances: init.distances } : {}) })
  } catch (err) {
    throw new InvalidPriorityServiceOptionError((err as Error).message)
  }
  const intervalMs = number('intervalMs', init.intervalMs, PRIORITY_INTERVAL_MS, PRIORITY_MIN_INTERVAL_MS, PRIORITY_MAX_INTERVAL_MS)
  return {
    region: init.region,
    weights,
    distances: init.distances,
    intervalMs,
    firstRoundDelayMs: number('firstRoundDelayMs', init.firstRoundDelayMs, Math.min(PRIORITY_FIRST_ROUND_DELAY_MS, intervalMs), 0, PRIORITY_MAX_INTERVAL_MS),
    historyMs: number('historyMs', init.historyMs, PRIORITY_HISTORY_MS, 1, 30 * PRIORITY_HISTORY_MS),
    maxEventsPerRound: number('maxEventsPerRound', init.maxEventsPerRound, PRIORITY_MAX_EVENTS_PER_ROUND, 1, 100 * PRIORITY_MAX_EVENTS_PER_ROUND, true),
    settleMs: number('settleMs', init.settleMs, PRIORITY_SETTLE_MS, 0, intervalMs * 100),
    localLayers: number('localLayers', init.localLayers, PRIORITY_LOCAL_LAYERS, 1, PRIORITY_MAX_SCORED, true),
    maxScored: number('maxScored', init.maxScored, PRIORITY_MAX_SCORED, 1, PRIORITY_MAX_SCORED, true),
    gossipLayers: number('gossipLayers', init.gossipLayers, PRIORITY_GOSSIP_LAYERS, 1, PRIORITY_GOSSIP_LAYERS, true),
    gossipTtlMs: number('gossipTtlMs', init.gossipTtlMs, PRIORITY_GOSSIP_TTL_ROUNDS * intervalMs, PRIORITY_MIN_INTERVAL_MS, 100 * PRIORITY_MAX_INTERVAL_MS),
    maxPeers: number('maxPeers', init.maxPeers, PRIORITY_MAX_PEERS, 1, PRIORITY_MAX_PEERS * 8, true)
  }
}
