/**
 * One seed end to end: `steps` events of chaos (faults, clients, Raft),
 * then every fault heals and the cluster must elect a leader and converge
 * within LIVENESS_BOUND_MS, with every client operation finished; then the
 * client history must be linearizable, key by key.
 */
import { checkRegister } from './linearizability.js'
import { Nemesis } from './nemesis.js'
import { LEADER_BOUND_MS, LIVENESS_BOUND_MS, makeScenario } from './scenario.js'
import { Simulation, digest } from './simulation.js'
import { Workload } from './workload.js'
import type { ScenarioOverrides } from './scenario.js'
import type { SimEvent } from './simulation.js'

const CONVERGENCE_CHECK_MS = 10
/**
 * Most events after the heal. Recovery takes a few thousand; a message
 * storm (two nodes bouncing a message back and forth, multiplied by
 * duplication) would otherwise run for hours, so it fails as a liveness bug.
 */
const LIVENESS_MAX_EVENTS = 300_000
/** States the linearizability search may visit per key before giving up ("unknown", not a violation). */
const LINEARIZABILITY_MAX_STEPS = 200_000

export interface SeedOptions extends ScenarioOverrides {
  steps: number
  trace?: (line: string) => void
}

export interface SeedResult {
  seed: number
  nodes: number
  violations: Array<{ invariant: string, detail: string, step: number, timeMs: number }>
  /** Why the cluster did not recover after the faults healed, if it did not. */
  liveness?: string
  stats: {
    simulatedMs: number
    events: number
    messages: number
    maxTerm: number
    maxCommit: number
    clientOps: number
    /** Of those, linearizable reads (ReadIndex). */
    reads: number
    faults: number
    crashes: number
    snapshotsInstalled: number
    configChanges: number
    /** From the heal to a leader, and to full convergence, ms. */
    leaderAfterHealMs?: number
    convergedAfterHealMs?: number
    linearizabilityUnknown: number
  }
}

export function runSeed (seed: number, options: SeedOptions): SeedResult {
  const scenario = makeScenario(seed, options)
  const sim = new Simulation(scenario)
  sim.trace = options.trace
  const nemesis = new Nemesis(sim)
  const workload = new Workload(sim)
  const handle = (e: SimEvent): void => {
    if (sim.handleCore(e)) return
    switch (e.kind) {
      case 'fault': nemesis.inject(); break
      case 'heal-links':
      case 'isolate':
      case 'calm':
      case 'clock': nemesis.handle(e); break
      case 'client': workload.act(e.client); break
      case 'client-timeout': workload.timeout(e.client, e.attempt); break
      case 'converged?': break
    }
  }

  sim.start()
  nemesis.start()
  workload.start()
  while (sim.step < options.steps && sim.violations.length === 0 && sim.runOne(handle)) { /* chaos */ }

  let liveness: string | undefined
  let leaderAfterHealMs: number | undefined
  let convergedAfterHealMs: number | undefined
  if (sim.violations.length === 0) {
    nemesis.heal()
    const healedAt = sim.now
    let state = 'no leader'
    sim.schedule(CONVERGENCE_CHECK_MS, { kind: 'converged?' })
    const healedAtStep = sim.step
    while (sim.violations.length === 0 && sim.now - healedAt <= LIVENESS_BOUND_MS) {
      if (sim.step - healedAtStep > LIVENESS_MAX_EVENTS) {
        state = `a message storm (${LIVENESS_MAX_EVENTS} events in ${Math.round(sim.now - healedAt)} ms)`
        break
      }
      let check = false
      sim.runOne(e => {
        handle(e)
        check = e.kind === 'converged?'
      })
      if (!check) continue
      state = convergence(sim, workload.pending)
      if (state !== 'no leader' && leaderAfterHealMs == null) leaderAfterHealMs = sim.now - healedAt
      if (state === 'no leader' && sim.now - healedAt > LEADER_BOUND_MS) break
      if (state === 'converged') {
        convergedAfterHealMs = sim.now - healedAt
        break
      }
      sim.schedule(CONVERGENCE_CHECK_MS, { kind: 'converged?' })
    }
    if (state !== 'converged' && sim.violations.length === 0) liveness = `${state}, ${Math.round(sim.now - healedAt)} ms after the faults healed`
  }

  let unknown = 0
  if (sim.violations.length === 0) {
    for (const [key, history] of workload.histories()) {
      const result = checkRegister(history, null, LINEARIZABILITY_MAX_STEPS)
      if (result.ok) continue
      if (result.reason === 'search limit') unknown++
      else sim.fail('Linearizability', `replica target ${key}: no linearization of its ${history.length} operations`)
    }
  }

  let maxTerm = 0
  let maxCommit = 0
  for (const n of sim.nodes.values()) {
    if (!n.up) continue
    const s = n.raft!.status()
    maxTerm = Math.max(maxTerm, s.term)
    maxCommit = Math.max(maxCommit, s.commit)
  }
  const result: SeedResult = {
    seed,
    nodes: scenario.founders.length,
    violations: sim.violations,
    stats: {
      simulatedMs: Math.round(sim.now),
      events: sim.step,
      messages: sim.network.sent,
      maxTerm,
      maxCommit,
      clientOps: workload.ops.filter(o => o.done).length,
      reads: sim.counters.reads,
      faults: Object.values(nemesis.counts).reduce((a, b) => a + b, 0),
      crashes: sim.counters.crashes,
      snapshotsInstalled: sim.counters.snapshotsInstalled,
      configChanges: sim.counters.configChanges.size,
      linearizabilityUnknown: unknown
    }
  }
  if (liveness != null) result.liveness = liveness
  if (leaderAfterHealMs != null) result.stats.leaderAfterHealMs = Math.round(leaderAfterHealMs)
  if (convergedAfterHealMs != null) result.stats.convergedAfterHealMs = Math.round(convergedAfterHealMs)
  return result
}

/**
 * 'converged' when a leader's voters all hold its log, have committed and
 * applied all of it, hold equal state, and no client waits; otherwise what
 * is missing.
 */
function convergence (sim: Simulation, pendingClients: number): string {
  const leader = sim.leader()
  if (leader == null) return 'no leader'
  const ls = leader.raft!.status()
  if (ls.commit !== ls.lastIndex) return 'leader has uncommitted entries'
  const lastTerm = leader.raft!.term(ls.lastIndex)
  const state = digest(leader.sm!.snapshot())
  for (const id of ls.config.voters) {
    const n = sim.nodes.get(id)!
    if (!n.up) return `voter ${id} is down`
    const s = n.raft!.status()
    if (s.lastIndex !== ls.lastIndex || n.raft!.term(s.lastIndex) !== lastTerm || s.commit !== ls.lastIndex || s.applied !== ls.lastIndex) {
      return `voter ${id} not converged`
    }
    if (digest(n.sm!.snapshot()) !== state) return `voter ${id} holds different targets`
  }
  if (pendingClients > 0) return `${pendingClients} client operations unfinished`
  return 'converged'
}
