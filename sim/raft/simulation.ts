/**
 * One deterministic run: a cluster of nodes (region seeds, each the real
 * RaftNode and the real replica-target state machine), a simulated network,
 * disk and clock per node, clients writing and reading replica targets, and
 * a nemesis injecting faults. One event queue, driven by one random seed,
 * orders everything, so a seed replays exactly. After every event the
 * safety checker looks at the nodes the event touched; the first
 * violation ends the run.
 *
 * The driver here follows the Ready contract (types.ts) as the daemon's
 * will: persist, sync when `mustSync`, then send, apply, advance.
 */
import { createHash } from 'node:crypto'
import { createRaftNode, decodeMessage, encodeMessage } from '../../src/quorum/raft/index.js'
import { createReplicaTargets } from '../../src/quorum/targets/index.js'
import { EventQueue } from './event-queue.js'
import { Network } from './network.js'
import { Prng } from './prng.js'
import { SafetyChecker } from './safety.js'
import { SimStorage } from './storage.js'
import { ELECTION_TICKS, HEARTBEAT_TICKS, TICK_MS } from './scenario.js'
import type { NetworkConditions } from './network.js'
import type { Scenario } from './scenario.js'
import type { Violation } from './safety.js'
import type { ClientOp } from './workload.js'
import type { RaftNode, Ready } from '../../src/quorum/raft/index.js'
import type { ReplicaTargets } from '../../src/quorum/targets/index.js'

export type SimEvent =
  | { kind: 'tick', node: string, inc: number }
  | { kind: 'deliver', from: string, to: string, bytes: Uint8Array }
  | { kind: 'synced', node: string, inc: number }
  | { kind: 'writeback', node: string, inc: number }
  | { kind: 'restart', node: string }
  | { kind: 'crash', node: string, inc: number, downMs: number }
  | { kind: 'isolate', node: string, inc: number, forMs: number }
  | { kind: 'fault' }
  | { kind: 'heal-links', links: Array<[string, string]> }
  | { kind: 'calm' }
  | { kind: 'clock', node: string, rate: number }
  | { kind: 'client', client: number }
  | { kind: 'client-timeout', client: number, attempt: number }
  | { kind: 'converged?' }

export interface SimNode {
  id: string
  founder: boolean
  storage: SimStorage
  rate: number
  up: boolean
  /** Bumped on every crash, so events meant for an earlier life are ignored. */
  inc: number
  raft?: RaftNode
  sm?: ReplicaTargets
  /** A Ready waiting for its fsync. */
  syncing?: Ready
  writebackScheduled: boolean
  /** Client writes proposed here, by request id; reads asked here, by context. */
  writes: Map<string, ClientOp>
  reads: Map<string, { op: ClientOp, index?: number }>
  random: Prng
}

export class Simulation {
  readonly queue = new EventQueue<SimEvent>()
  readonly nodes = new Map<string, SimNode>()
  readonly network: Network
  readonly safety = new SafetyChecker()
  readonly violations: Array<Violation & { step: number, timeMs: number }> = []
  /** Simulated time, ms. */
  now = 0
  /** Events handled so far: the clock of the client history. */
  step = 0
  healed = false
  /** What the run exercised, for the report and for tests that check the simulation did something. */
  readonly counters = { snapshotsInstalled: 0, compactions: 0, configChanges: new Set<number>(), reads: 0, crashes: 0 }
  readonly faultRandom: Prng
  readonly clientRandom: Prng
  private readonly diskRandom: Prng
  private readonly touched = new Set<string>()
  onComplete: (op: ClientOp, node: SimNode) => void = () => {}
  /** Called when a seed becomes leader (the nemesis likes to strike then). */
  onLeader: (node: SimNode) => void = () => {}
  /** Called when a leader's commit index moves (the moment followers know less than it does). */
  onLeaderCommit: (node: SimNode) => void = () => {}
  trace: ((line: string) => void) | undefined

  constructor (readonly scenario: Scenario) {
    const root = new Prng(scenario.seed)
    this.network = new Network(root.fork(), scenario.network)
    this.faultRandom = root.fork()
    this.clientRandom = root.fork()
    this.diskRandom = root.fork()
    for (const id of [...scenario.founders, scenario.spare]) {
      this.nodes.set(id, {
        id,
        founder: scenario.founders.includes(id),
        storage: new SimStorage(),
        rate: scenario.clockRates[id] ?? 1,
        up: false,
        inc: 0,
        writebackScheduled: false,
        writes: new Map(),
        reads: new Map(),
        random: root.fork()
      })
    }
  }

  schedule (delayMs: number, event: SimEvent): void {
    this.queue.push(this.now + delayMs, event)
  }

  fail (invariant: string, detail: string): void {
    this.violations.push({ invariant, detail, step: this.step, timeMs: this.now })
  }

  log (line: string): void {
    this.trace?.(`${this.now.toFixed(2).padStart(10)} #${this.step} ${line}`)
  }

  /** Start every seed, the founders with their voters and the spare as a joiner. */
  start (): void {
    for (const n of this.nodes.values()) this.restart(n)
  }

  /** Handle the next event; false when the queue is empty. */
  runOne (handle: (e: SimEvent) => void): boolean {
    const next = this.queue.pop()
    if (next == null) return false
    this.now = next.at
    this.step++
    handle(next.event)
    for (const id of this.touched) {
      const n = this.nodes.get(id)!
      if (n.up && n.raft != null) this.safety.afterEvent(id, n.raft)
    }
    this.touched.clear()
    this.collectViolations()
    return true
  }

  private collectViolations (): void {
    const v = this.safety.violations
    while (v.length > 0) this.fail(v[0]!.invariant, v.shift()!.detail)
  }

  /** The events of the Raft layer itself; faults and clients are handled by their own modules. */
  handleCore (e: SimEvent): boolean {
    switch (e.kind) {
      case 'tick': {
        const n = this.nodes.get(e.node)!
        if (!n.up || n.inc !== e.inc) return true
        this.guard(n, () => n.raft!.tick())
        this.schedule(TICK_MS / n.rate, { kind: 'tick', node: n.id, inc: n.inc })
        return true
      }
      case 'deliver': {
        const n = this.nodes.get(e.to)!
        if (!n.up || this.network.isCut(e.from, e.to)) return true
        let m
        try {
          m = decodeMessage(e.bytes)
        } catch (err) {
          this.fail('Codec', `${e.from}->${e.to}: ${(err as Error).name}: ${(err as Error).message}`)
          return true
        }
        this.log(`${e.to} <- ${m.type} from ${m.from} term ${m.term}`)
        this.guard(n, () => n.raft!.step(m))
        return true
      }
      case 'synced': {
        const n = this.nodes.get(e.node)!
        if (!n.up || n.inc !== e.inc || n.syncing == null) return true
        this.syncNow(n)
        const rd = n.syncing
        n.syncing = undefined
        this.guard(n, () => this.finishReady(n, rd))
        return true
      }
      case 'writeback': {
        const n = this.nodes.get(e.node)!
        if (n.inc !== e.inc) return true
        n.writebackScheduled = false
        this.syncNow(n)
        return true
      }
      case 'restart':
        this.restart(this.nodes.get(e.node)!)
        return true
      case 'crash': {
        const n = this.nodes.get(e.node)!
        if (n.inc === e.inc && !this.healed) this.crash(n, e.downMs)
        return true
      }
      default:
        return false
    }
  }

  /** Run `fn` on a live node, then drive it; a throw from the core is a violation, not a crash of the simulator. */
  guard (n: SimNode, fn: () => void): void {
    try {
      fn()
      this.drive(n)
    } catch (err) {
      this.fail(`Core threw ${(err as Error).name}`, `${n.id}: ${(err as Error).message}`)
    }
    this.touched.add(n.id)
  }

  /** Take Readies while there are some and no fsync is outstanding. */
  private drive (n: SimNode): void {
    while (n.up && n.syncing == null && n.raft!.hasReady()) {
      const rd = n.raft!.ready()
      if (rd.softState != null) {
        this.log(`${n.id} is ${rd.softState.role} (term ${n.raft!.status().term}, leader ${rd.softState.leaderId ?? '-'})`)
        if (rd.softState.role === 'leader') this.onLeader(n)
      }
      if (rd.hardState != null && rd.softState?.role !== 'follower' && n.raft!.status().role === 'leader' && rd.committed.length > 0) this.onLeaderCommit(n)
      this.safety.onReady(n.id, n.raft!, rd.entries)
      n.storage.write(rd)
      if (rd.mustSync) {
        n.syncing = rd
        const [lo, hi] = this.scenario.fsyncMs
        this.schedule(lo + this.diskRandom.float() * (hi - lo), { kind: 'synced', node: n.id, inc: n.inc })
        return
      }
      if (n.storage.dirty && !n.writebackScheduled) {
        n.writebackScheduled = true
        this.schedule(this.scenario.writebackMs, { kind: 'writeback', node: n.id, inc: n.inc })
      }
      this.finishReady(n, rd)
    }
  }

  private syncNow (n: SimNode): void {
    const before = n.storage.durableCommit
    n.storage.sync()
    this.safety.onDurableCommit(n.id, before, n.storage.durableCommit)
    if (n.storage.error != null) this.fail('Storage', `${n.id}: ${n.storage.error}`)
  }

  /** Everything after the fsync: send, restore, apply, serve reads, advance, maybe compact. */
  private finishReady (n: SimNode, rd: Ready): void {
    this.safety.onSend(n.id, n.raft!, rd.messages)
    for (const m of rd.messages) {
      const bytes = encodeMessage(m)
      for (const delay of this.network.route(m.from, m.to)) this.schedule(delay, { kind: 'deliver', from: m.from, to: m.to, bytes })
    }
    const sm = n.sm!
    if (rd.snapshot != null) {
      sm.restore(rd.snapshot.data)
      if (sm.appliedIndex !== rd.snapshot.index) this.fail('Snapshot', `${n.id} restored a snapshot of index ${rd.snapshot.index} holding state of ${sm.appliedIndex}`)
      this.safety.onSnapshotState(n.id, rd.snapshot, digest(rd.snapshot.data))
      this.log(`${n.id} installed snapshot ${rd.snapshot.index}`)
      this.counters.snapshotsInstalled++
    }
    for (const e of rd.committed) {
      this.safety.onApply(n.id, e)
      if (e.kind === 'config' && e.index > 1) this.counters.configChanges.add(e.index)
      const result = sm.apply(e)
      if (result != null && result.requestId != null && result.status !== 'rejected') {
        const op = n.writes.get(result.requestId)
        if (op != null) {
          n.writes.delete(result.requestId)
          this.onComplete(op, n)
        }
      }
    }
    for (const rs of rd.readStates) {
      const waiting = n.reads.get(rs.context)
      if (waiting != null) waiting.index = rs.index
    }
    this.serveReads(n)
    n.raft!.advance()
    this.maybeCompact(n)
  }

  private serveReads (n: SimNode): void {
    for (const [context, w] of n.reads) {
      if (w.index == null || n.sm!.appliedIndex < w.index) continue
      n.reads.delete(context)
      if (!w.op.done) this.counters.reads++
      this.onComplete(w.op, n)
    }
  }

  private maybeCompact (n: SimNode): void {
    const s = n.raft!.status()
    if (s.applied - (s.firstIndex - 1) < this.scenario.compactEvery) return
    const data = n.sm!.snapshot()
    n.raft!.compact(s.applied, data)
    this.counters.compactions++
    this.safety.onSnapshotState(n.id, { index: s.applied, term: n.raft!.term(s.applied)!, config: s.config, data }, digest(data))
  }

  /** Power loss: unsynced writes are gone, and so is everything in memory. */
  crash (n: SimNode, downMs: number): void {
    if (!n.up) return
    this.log(`${n.id} crashes for ${downMs.toFixed(0)} ms`)
    this.counters.crashes++
    n.storage.crash()
    n.up = false
    n.inc++
    n.raft = undefined
    n.sm = undefined
    n.syncing = undefined
    n.writebackScheduled = false
    n.writes.clear()
    n.reads.clear()
    this.safety.onStop(n.id)
    this.schedule(downMs, { kind: 'restart', node: n.id })
  }

  restart (n: SimNode): void {
    if (n.up) return
    const s = this.scenario
    const persisted = n.storage.load()
    try {
      n.raft = createRaftNode({
        id: n.id,
        ...(n.founder ? { voters: s.founders } : {}),
        persisted,
        electionTicks: ELECTION_TICKS,
        heartbeatTicks: HEARTBEAT_TICKS,
        preVote: s.preVote,
        checkQuorum: s.checkQuorum,
        maxEntriesPerMessage: s.maxEntriesPerMessage,
        maxInflightMessages: s.maxInflightMessages,
        unsafeTestBugs: s.bugs
      }, { random: () => n.random.float() })
    } catch (err) {
      this.fail(`Restart threw ${(err as Error).name}`, `${n.id}: ${(err as Error).message}`)
      return
    }
    n.sm = createReplicaTargets()
    if (persisted.snapshot != null) {
      n.sm.restore(persisted.snapshot.data)
      this.safety.onSnapshotState(n.id, persisted.snapshot, digest(persisted.snapshot.data))
    }
    n.up = true
    this.log(`${n.id} starts at term ${persisted.hardState.term}, commit ${persisted.hardState.commit}, ${persisted.entries.length} entries`)
    this.safety.onStart(n.id, n.raft)
    // A random phase, so seeds' ticks do not line up.
    this.schedule((TICK_MS / n.rate) * n.random.float(), { kind: 'tick', node: n.id, inc: n.inc })
    this.guard(n, () => {})
  }

  setConditions (c: Partial<NetworkConditions>, forMs: number): void {
    Object.assign(this.network.conditions, c)
    this.schedule(forMs, { kind: 'calm' })
  }

  /** The leader with the highest term among live seeds, if any. */
  leader (): SimNode | undefined {
    let best: SimNode | undefined
    let bestTerm = -1
    for (const n of this.nodes.values()) {
      if (!n.up) continue
      const s = n.raft!.status()
      if (s.role === 'leader' && s.term > bestTerm) {
        best = n
        bestTerm = s.term
      }
    }
    return best
  }

  touch (n: SimNode): void {
    this.touched.add(n.id)
  }
}

export function digest (data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}
