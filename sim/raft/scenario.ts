/**
 * Everything about one simulated run that the seed decides: cluster size,
 * Raft options, how hostile the network and disks are, how often faults
 * come. Derived from the seed alone (plus explicit overrides), so
 * `--seed S` rebuilds the same scenario.
 */
import { Prng } from './prng.js'
import type { NetworkConditions } from './network.js'
import type { RaftTestBugs } from '../../src/quorum/raft/index.js'

/** Simulated milliseconds per tick. */
export const TICK_MS = 10
export const ELECTION_TICKS = 10
export const HEARTBEAT_TICKS = 1
/** A new leader picked for a fault gets it within this. */
export const NEW_LEADER_FAULT_MS = 15
/**
 * After the last fault heals, a leader must be elected within
 * LEADER_BOUND_MS and every live voter converged (same log, all of it
 * committed and applied, equal state, no client waiting) within
 * LIVENESS_BOUND_MS. Generous on purpose: pre-vote rounds, randomized
 * timeouts, clock skew, lagging followers needing snapshots all cost time
 * (measured over 1000 seeds x 5000 steps: at most 530 ms to a leader and
 * 1320 ms to convergence). Missing one is a liveness bug, not bad luck.
 */
export const LEADER_BOUND_MS = 20 * ELECTION_TICKS * TICK_MS
export const LIVENESS_BOUND_MS = 60 * ELECTION_TICKS * TICK_MS

export const BUGS = {
  'commit-earlier-term': 'commitEarlierTerm',
  'vote-without-log-check': 'voteWithoutLogCheck',
  'reply-before-persist': 'replyBeforePersist',
  'truncate-without-conflict': 'truncateWithoutConflict'
} as const satisfies Record<string, keyof RaftTestBugs>
export type BugName = keyof typeof BUGS

export interface Scenario {
  seed: number
  /** Founding voters. */
  founders: string[]
  /** A seed that starts outside the quorum and may be added (and removed) later. */
  spare: string
  preVote: boolean
  checkQuorum: boolean
  maxEntriesPerMessage: number
  maxInflightMessages: number
  /** Compact once this many entries are applied beyond the last snapshot. */
  compactEvery: number
  /** The network between faults. */
  network: NetworkConditions
  /** Mean time between faults, ms. */
  faultMeanMs: number
  /**
   * Chance that a new leader crashes or is cut off within NEW_LEADER_FAULT_MS
   * of winning. Leaders failing with their first entries half replicated
   * are how the hard cases come about (Figure 8 of the Raft paper is a
   * chain of them), and faults at random times rarely land in that window.
   */
  newLeaderFault: number
  /** Chance that a leader is cut off the moment its commit index moves, before followers hear of it. */
  commitFault: number
  /** fsync latency range, ms. */
  fsyncMs: [number, number]
  /** Unsynced writes reach the disk anyway after this (page-cache writeback), ms. */
  writebackMs: number
  /** Each seed's clock rate: a tick every TICK_MS / rate. */
  clockRates: Record<string, number>
  clients: number
  bugs: RaftTestBugs
}

export interface ScenarioOverrides {
  nodes?: number
  bug?: BugName
}

export function makeScenario (seed: number, overrides: ScenarioOverrides = {}): Scenario {
  const r = new Prng(seed ^ 0x5eed)
  const sizes = [1, 3, 5]
  const n = overrides.nodes ?? sizes[seed % 3]!
  const founders = Array.from({ length: n }, (_, i) => `n${i + 1}`)
  const spare = `n${n + 1}`
  // Production runs both; the simulation also runs PreVote alone. Not
  // CheckQuorum alone: a removed seed that never learnt of its removal then
  // raises everyone's term whenever no leader is known, and with a faster
  // clock it can stop the rest from ever electing one (the dissertation's
  // §4.2.3 disruption; PreVote is what prevents it).
  const preVote = true
  const checkQuorum = r.chance(0.7)
  const clockRates: Record<string, number> = {}
  for (const id of [...founders, spare]) clockRates[id] = r.chance(0.5) ? 1 : 0.6 + r.float() * 0.9
  const bugs: RaftTestBugs = overrides.bug == null ? {} : { [BUGS[overrides.bug]]: true }
  const churn = r.chance(0.5)
  return {
    seed,
    founders,
    spare,
    preVote,
    checkQuorum,
    maxEntriesPerMessage: r.pick([1, 1, 4, 64]),
    maxInflightMessages: r.pick([1, 4, 16]),
    compactEvery: r.pick([4, 8, 16, 64]),
    network: {
      loss: r.pick([0, 0.01, 0.05]),
      duplicate: r.pick([0, 0.01, 0.05]),
      delayMs: 1 + r.int(3),
      jitterMs: r.pick([1, 5, 15]),
      spike: r.pick([0, 0.01, 0.03]),
      spikeMs: r.pick([50, 200, 500])
    },
    // Swarm testing: half the seeds strike at random times, half at the
    // leader's critical moments (just elected, just committed).
    ...(churn
      ? { faultMeanMs: r.pick([400, 1000]), newLeaderFault: 0.6, commitFault: 0.2 }
      : { faultMeanMs: r.pick([100, 200, 400]), newLeaderFault: r.pick([0, 0.1]), commitFault: r.pick([0, 0.01]) }),
    fsyncMs: [1, r.pick([2, 5, 20])],
    writebackMs: r.pick([30, 100, 300]),
    clockRates,
    clients: 3,
    bugs
  }
}
