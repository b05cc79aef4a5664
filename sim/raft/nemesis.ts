/**
 * The nemesis: at random times, one fault. Partitions (symmetric, one-way,
 * a bridge), crashes that lose unsynced writes (and restarts), bursts of
 * loss, duplication and long delays (reordering), clock-rate skew, and
 * membership changes (a node added or removed through the leader). It also
 * strikes at the leader's critical moments, which random timing almost
 * never hits: just after an election (crash or isolate the new leader
 * before its first entries spread) and just as its commit index moves
 * (isolate it before the followers hear). Each timed fault schedules its
 * own end; `heal` ends them all at once.
 */
import { CALM, bridgeCut, oneWayCut, symmetricCut } from './network.js'
import { NEW_LEADER_FAULT_MS } from './scenario.js'
import type { Simulation } from './simulation.js'

export type FaultKind = 'partition' | 'isolate-leader' | 'one-way' | 'bridge' | 'crash' | 'crash-leader' | 'crash-many' |
  'loss' | 'duplicate' | 'delay' | 'skew' | 'membership' | 'new-leader' | 'leader-commit'

// The leader is where Raft's hard cases start (Figure 8 of the paper is a
// sequence of leaders failing with entries half replicated), so it is hit
// more often than a random seed would be.
const WEIGHTS: Array<[FaultKind, number]> = [
  ['partition', 3], ['isolate-leader', 2], ['one-way', 2], ['bridge', 1], ['crash', 2], ['crash-leader', 3], ['crash-many', 1],
  ['loss', 1], ['duplicate', 1], ['delay', 2], ['skew', 1], ['membership', 2]
]

export class Nemesis {
  readonly counts: Partial<Record<FaultKind, number>> = {}

  constructor (private readonly sim: Simulation) {}

  start (): void {
    this.scheduleNext()
    this.sim.onLeader = n => {
      const r = this.sim.faultRandom
      if (this.sim.healed || !r.chance(this.sim.scenario.newLeaderFault)) return
      this.counts['new-leader'] = (this.counts['new-leader'] ?? 0) + 1
      const at = r.float() * NEW_LEADER_FAULT_MS
      if (r.chance(0.5)) this.sim.schedule(at, { kind: 'crash', node: n.id, inc: n.inc, downMs: 10 + r.float() * 400 })
      else this.sim.schedule(at, { kind: 'isolate', node: n.id, inc: n.inc, forMs: 50 + r.float() * 600 })
    }
    this.sim.onLeaderCommit = n => {
      const r = this.sim.faultRandom
      if (this.sim.healed || !r.chance(this.sim.scenario.commitFault)) return
      this.counts['leader-commit'] = (this.counts['leader-commit'] ?? 0) + 1
      this.handle({ kind: 'isolate', node: n.id, inc: n.inc, forMs: 50 + r.float() * 600 })
    }
  }

  private scheduleNext (): void {
    const r = this.sim.faultRandom
    // Exponential gaps: faults cluster sometimes, as they do.
    const gap = -Math.log(1 - r.float()) * this.sim.scenario.faultMeanMs
    this.sim.schedule(gap, { kind: 'fault' })
  }

  inject (): void {
    if (this.sim.healed) return
    const kind = pickWeighted(this.sim.faultRandom.float(), WEIGHTS)
    this.counts[kind] = (this.counts[kind] ?? 0) + 1
    this.apply(kind)
    this.scheduleNext()
  }

  private apply (kind: FaultKind): void {
    const sim = this.sim
    const r = sim.faultRandom
    const ids = [...sim.nodes.keys()]
    const duration = (): number => 50 + r.float() * 600
    const split = (): [string[], string[]] => {
      const a = ids.filter(() => r.chance(0.5))
      return [a, ids.filter(id => !a.includes(id))]
    }
    switch (kind) {
      case 'partition':
      case 'one-way': {
        const [a, b] = split()
        const links = kind === 'partition' ? symmetricCut(a, b) : oneWayCut(a, b)
        this.cut(links, duration(), `${kind} ${a.join(',')} | ${b.join(',')}`)
        break
      }
      case 'bridge': {
        const bridge = r.pick(ids)
        const [a, b] = split()
        this.cut(bridgeCut(a, bridge, b), duration(), `bridge ${a.join(',')} | ${b.join(',')} via ${bridge}`)
        break
      }
      case 'isolate-leader': {
        const leader = sim.leader()
        if (leader == null) break
        this.cut(symmetricCut([leader.id], ids.filter(id => id !== leader.id)), duration(), `isolate leader ${leader.id}`)
        break
      }
      case 'crash':
        sim.crash(sim.nodes.get(r.pick(ids))!, 10 + r.float() * 400)
        break
      case 'crash-leader': {
        const leader = sim.leader()
        if (leader != null) sim.crash(leader, 10 + r.float() * 400)
        break
      }
      case 'crash-many':
        for (const id of ids) if (r.chance(0.6)) sim.crash(sim.nodes.get(id)!, 10 + r.float() * 400)
        break
      case 'loss':
        sim.log(`nemesis: loss burst`)
        sim.setConditions({ loss: 0.1 + r.float() * 0.4 }, duration())
        break
      case 'duplicate':
        sim.log(`nemesis: duplication burst`)
        sim.setConditions({ duplicate: 0.1 + r.float() * 0.4 }, duration())
        break
      case 'delay':
        sim.log(`nemesis: delay burst`)
        sim.setConditions({ jitterMs: 20 + r.float() * 100, spike: 0.1, spikeMs: 300 + r.float() * 700 }, duration())
        break
      case 'skew': {
        const n = sim.nodes.get(r.pick(ids))!
        const rate = 0.5 + r.float() * 1.5
        sim.log(`nemesis: ${n.id}'s clock runs at ${rate.toFixed(2)}x`)
        sim.schedule(0, { kind: 'clock', node: n.id, rate })
        sim.schedule(duration(), { kind: 'clock', node: n.id, rate: sim.scenario.clockRates[n.id] ?? 1 })
        break
      }
      case 'membership':
        this.changeMembership()
        break
    }
  }

  private cut (links: Array<[string, string]>, ms: number, what: string): void {
    if (links.length === 0) return
    this.sim.log(`nemesis: ${what} for ${ms.toFixed(0)} ms`)
    this.sim.network.cutLinks(links)
    this.sim.schedule(ms, { kind: 'heal-links', links })
  }

  /** Through the current leader: add a seed that is not a voter, or remove one that is. */
  private changeMembership (): void {
    const sim = this.sim
    const leader = sim.leader()
    if (leader == null) return
    const r = sim.faultRandom
    const voters = leader.raft!.status().config.voters
    const outside = [...sim.nodes.keys()].filter(id => !voters.includes(id))
    const max = sim.scenario.founders.length + 1
    const add = outside.length > 0 && voters.length < max && (voters.length <= 1 || r.chance(0.5))
    const change = add
      ? { type: 'add-voter' as const, nodeId: r.pick(outside) }
      : { type: 'remove-voter' as const, nodeId: r.pick(voters) }
    if (change.type === 'remove-voter' && voters.length <= 1) return
    try {
      leader.raft!.proposeConfigChange(change)
      sim.log(`nemesis: ${leader.id} proposes ${change.type} ${change.nodeId}`)
    } catch (err) {
      const name = (err as Error).name
      if (name !== 'ConfigChangeError' && name !== 'NotLeaderError' && name !== 'RaftBusyError') throw err
      return
    }
    sim.guard(leader, () => {})
  }

  /** End every fault: links, network, clocks; restart every crashed seed. */
  heal (): void {
    const sim = this.sim
    sim.healed = true
    sim.network.healAll()
    sim.network.conditions = { ...CALM }
    for (const n of sim.nodes.values()) {
      n.rate = sim.scenario.clockRates[n.id] ?? 1
      sim.restart(n)
    }
    sim.log('nemesis: all faults healed')
  }

  /** A delayed fault starting, or a timed one ending. */
  handle (e: { kind: string, links?: Array<[string, string]>, node?: string, rate?: number, inc?: number, forMs?: number }): void {
    const sim = this.sim
    if (e.kind === 'isolate' && !sim.healed && sim.nodes.get(e.node!)!.inc === e.inc) {
      const others = [...sim.nodes.keys()].filter(id => id !== e.node)
      this.cut(symmetricCut([e.node!], others), e.forMs!, `isolate new leader ${e.node!}`)
    }
    if (e.kind === 'heal-links' && !sim.healed) sim.network.restoreLinks(e.links!)
    if (e.kind === 'calm' && !sim.healed) sim.network.conditions = { ...sim.scenario.network }
    if (e.kind === 'clock' && !sim.healed) sim.nodes.get(e.node!)!.rate = e.rate!
  }
}

function pickWeighted<T> (x: number, weights: Array<[T, number]>): T {
  const total = weights.reduce((s, [, w]) => s + w, 0)
  let at = x * total
  for (const [v, w] of weights) {
    at -= w
    if (at < 0) return v
  }
  return weights[weights.length - 1]![0]
}
