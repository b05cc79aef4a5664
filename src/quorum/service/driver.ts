/**
 * The real-time driver of one seed's Raft node, doing what the simulator
 * does with simulated time (sim/raft/simulation.ts): tick on a timer, step
 * each message, and for each Ready in turn persist it (one batch, synced
 * when it must be) BEFORE its messages leave, then send, install the
 * snapshot, apply the committed entries to the replica targets, serve the
 * reads whose index is applied, advance, and compact every
 * `snapshotEveryEntries`. Ticks and messages keep arriving while a Ready is
 * being persisted; the core allows that, and the next Ready carries them.
 *
 * A failed storage write halts the node: memory and disk no longer agree,
 * so going on could break what Raft promises. So does a throw from the
 * core or the state machine (something Raft rules out happened). It says
 * so, loudly, and fails every waiter; a restart reads the disk again.
 */
import { randomUUID } from 'node:crypto'
import { createRaftNode } from '../raft/index.js'
import { decodeCommand } from '../targets/command.js'
import { createReplicaTargets } from '../targets/index.js'
import { QuorumBusyError, QuorumStoppedError } from './errors.js'
import { Deferred } from './wait.js'
import type { ApplyResult, ReplicaTarget, ReplicaTargets } from '../targets/index.js'
import type { Entry, Message, RaftNode, RaftStatus, Ready } from '../raft/index.js'
import type { RaftStorage } from '../storage/index.js'
import type { AppliedChange, QuorumLogger } from './index.js'

export interface DriverOptions {
  id: string
  voters: string[]
  tickMs: number
  electionTicks: number
  snapshotEveryEntries: number
  maxPendingWrites: number
  maxPendingReads: number
}

export interface DriverComponents {
  storage: RaftStorage
  send: (m: Message) => void
  logger: QuorumLogger
  random: () => number
  onApplied?: (changes: AppliedChange[], index: number) => void
}

interface ReadWaiter {
  done: Deferred<void>
  index?: number
}

export class RaftDriver {
  private raft: RaftNode | undefined
  private sm: ReplicaTargets = createReplicaTargets()
  private timer: NodeJS.Timeout | undefined
  private pumping: Promise<void> | undefined
  private running = false
  /** Set when storage failed: the node halts. */
  failure: Error | undefined
  private readonly changeWatchers = new Set<Deferred<void>>()
  private readonly writeWaiters = new Map<string, Set<Deferred<ApplyResult>>>()
  private writeWaiterCount = 0
  private readonly reads = new Map<string, ReadWaiter>()
  /** The applied index at which compaction last failed (a snapshot over its limit); retried a full interval later. */
  private compactFailedAt = -Infinity

  constructor (private readonly opts: DriverOptions, private readonly components: DriverComponents) {}

  async start (): Promise<void> {
    if (this.running) return
    const persisted = await this.components.storage.open()
    try {
      this.raft = createRaftNode({ id: this.opts.id, voters: this.opts.voters, persisted, electionTicks: this.opts.electionTicks }, { random: this.components.random })
      this.sm = createReplicaTargets()
      if (persisted.snapshot != null) this.sm.restore(persisted.snapshot.data)
    } catch (err) {
      this.raft = undefined
      await this.components.storage.close()
      throw err
    }
    const voters = this.raft.status().config.voters
    if (voters.length > 0 && voters.join() !== [...this.opts.voters].sort().join()) {
      this.components.logger.warn({ stored: voters, configured: this.opts.voters }, 'the stored quorum members differ from the configured seeds; the stored ones vote (members change one at a time, through the log)')
    }
    this.failure = undefined
    this.running = true
    this.timer = setInterval(() => {
      this.guard(raft => { raft.tick() })
    }, this.opts.tickMs)
    this.timer.unref()
    this.components.logger.info({ term: persisted.hardState.term, commit: persisted.hardState.commit, entries: persisted.entries.length, snapshot: persisted.snapshot?.index ?? 0 }, 'Raft node started')
    this.kick()
  }

  async stop (): Promise<void> {
    if (!this.running && this.raft == null) return
    this.running = false
    clearInterval(this.timer)
    await this.pumping
    this.failAll(new QuorumStoppedError('the quorum node stopped'))
    this.raft = undefined
    await this.components.storage.close()
  }

  step (m: Message): void {
    this.guard(raft => { raft.step(m) })
  }

  /** Run `fn` on the core, then drive it. The core throws only when something Raft rules out happened: halt rather than limp on. */
  private guard (fn: (raft: RaftNode) => void): void {
    if (!this.running || this.raft == null) return
    try {
      fn(this.raft)
    } catch (err) {
      this.halt(err as Error, 'the Raft core failed')
      return
    }
    this.kick()
  }

  /** Leader only: append a command. Throws NotLeaderError, RaftBusyError, EntryTooLargeError. */
  propose (data: Uint8Array): void {
    this.requireRunning().propose(data)
    this.kick()
  }

  get leaderId (): string | null {
    return this.raft?.status().leaderId ?? null
  }

  status (): RaftStatus {
    return this.requireRunning().status()
  }

  /** The targets as applied here (not a linearizable read by itself: see `startRead`). */
  get targets (): ReplicaTargets {
    return this.sm
  }

  /**
   * Resolves at the next change of role or leader, or when the node stops.
   * One per waiter, dropped on `cancel`: a promise shared by every request
   * would collect their reactions for as long as a leader lasts.
   */
  watchChange (): { changed: Promise<void>, cancel: () => void } {
    const d = new Deferred<void>()
    if (!this.running) d.resolve()
    else this.changeWatchers.add(d)
    return { changed: d.promise, cancel: () => { this.changeWatchers.delete(d) } }
  }

  /** Resolves with the result when this node applies the command with `requestId` (whoever proposed it). Call `cancel` when done waiting. */
  waitForRequest (requestId: string): { result: Promise<ApplyResult>, cancel: () => void } {
    this.requireRunning()
    if (this.writeWaiterCount >= this.opts.maxPendingWrites) throw new QuorumBusyError(`${this.opts.maxPendingWrites} writes are waiting for their commit here already; retry later`)
    const d = new Deferred<ApplyResult>()
    let set = this.writeWaiters.get(requestId)
    if (set == null) { set = new Set(); this.writeWaiters.set(requestId, set) }
    set.add(d)
    this.writeWaiterCount++
    return {
      result: d.promise,
      cancel: () => {
        if (!set.delete(d)) return
        this.writeWaiterCount--
        if (set.size === 0 && this.writeWaiters.get(requestId) === set) this.writeWaiters.delete(requestId)
      }
    }
  }

  /**
   * Start a linearizable read (ReadIndex): `done` resolves once this node
   * has applied everything committed when the read was asked. Throws
   * NotLeaderError when no leader is known. No answer comes when leadership
   * changes meanwhile: cancel and ask again.
   */
  startRead (): { done: Promise<void>, cancel: () => void } {
    const raft = this.requireRunning()
    if (this.reads.size >= this.opts.maxPendingReads) throw new QuorumBusyError(`${this.opts.maxPendingReads} reads are waiting here already; retry later`)
    const context = randomUUID()
    const w: ReadWaiter = { done: new Deferred<void>() }
    raft.readIndex(context)
    this.reads.set(context, w)
    this.kick()
    return { done: w.done.promise, cancel: () => { this.reads.delete(context) } }
  }

  /** Throws QuorumStoppedError unless the node is running (stopped, never started, or halted by a storage failure). */
  requireRunning (): RaftNode {
    if (this.failure != null) throw new QuorumStoppedError(`the quorum node halted: ${this.failure.message}`)
    if (!this.running || this.raft == null) throw new QuorumStoppedError('the quorum node is not running; start() it first')
    return this.raft
  }

  private kick (): void {
    if (this.pumping != null || !this.running) return
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined
      // Something may have arrived between the last check and now.
      if (this.running && this.raft?.hasReady() === true) this.kick()
    })
  }

  private async pump (): Promise<void> {
    const raft = this.raft!
    while (this.running && raft.hasReady()) {
      const rd = raft.ready()
      try {
        if (rd.snapshot != null || rd.compacted != null || rd.entries.length > 0 || rd.hardState != null) {
          await this.components.storage.write(rd, { sync: rd.mustSync })
        }
      } catch (err) {
        this.halt(err as Error, 'a Raft storage write failed')
        return
      }
      if (!this.running) return
      try {
        this.finish(raft, rd)
      } catch (err) {
        this.halt(err as Error, 'applying a Ready failed')
        return
      }
    }
  }

  private finish (raft: RaftNode, rd: Ready): void {
    for (const m of rd.messages) this.components.send(m)
    if (rd.snapshot != null) this.install(rd.snapshot.index, rd.snapshot.data)
    for (const e of rd.committed) this.apply(e)
    for (const rs of rd.readStates) {
      const w = this.reads.get(rs.context)
      if (w != null) w.index = rs.index
    }
    this.serveReads()
    raft.advance()
    if (rd.softState != null) {
      this.components.logger.info({ role: rd.softState.role, leader: rd.softState.leaderId, term: raft.status().term }, 'Raft role changed')
      this.notifyChange()
    }
    this.maybeCompact(raft)
  }

  private install (index: number, data: Uint8Array): void {
    const before = new Map(this.sm.list().map(t => [`${t.digest} ${t.region}`, t]))
    this.sm.restore(data)
    const changes: AppliedChange[] = []
    for (const t of this.sm.list()) {
      const k = `${t.digest} ${t.region}`
      const old = before.get(k)
      before.delete(k)
      if (old == null || !sameTarget(old, t)) changes.push({ digest: t.digest, region: t.region, target: { replicas: t.replicas, reason: t.reason, updatedAt: t.updatedAt } })
    }
    for (const t of before.values()) changes.push({ digest: t.digest, region: t.region })
    this.components.logger.info({ index, targets: this.sm.size }, 'installed a snapshot from the leader')
    this.notifyApplied(changes, index)
  }

  private apply (e: Entry): void {
    const keys = e.kind === 'command' ? commandKeys(e.data) : []
    const before = keys.map(k => this.sm.get(k.digest, k.region))
    const result = this.sm.apply(e)
    if (result == null) return
    if (result.status === 'applied' && result.changed > 0) {
      const changes: AppliedChange[] = []
      keys.forEach((k, i) => {
        const now = this.sm.get(k.digest, k.region)
        const was = before[i]
        if (now == null && was == null) return
        if (now != null && was != null && sameTarget(now, was)) return
        changes.push(now == null ? { ...k } : { ...k, target: now })
      })
      this.notifyApplied(changes, e.index)
    }
    if (result.requestId == null) return
    const set = this.writeWaiters.get(result.requestId)
    if (set != null) for (const d of set) d.resolve(result)
  }

  private notifyApplied (changes: AppliedChange[], index: number): void {
    if (changes.length === 0 || this.components.onApplied == null) return
    try {
      this.components.onApplied(changes, index)
    } catch (err) {
      this.components.logger.error({ index, err: (err as Error).message }, 'onApplied threw; the targets are applied regardless')
    }
  }

  private serveReads (): void {
    for (const [context, w] of this.reads) {
      if (w.index == null || this.sm.appliedIndex < w.index) continue
      this.reads.delete(context)
      w.done.resolve()
    }
  }

  private maybeCompact (raft: RaftNode): void {
    const s = raft.status()
    if (s.applied - (s.firstIndex - 1) < this.opts.snapshotEveryEntries) return
    if (s.applied - this.compactFailedAt < this.opts.snapshotEveryEntries) return
    try {
      raft.compact(s.applied, this.sm.snapshot())
      this.kick()
    } catch (err) {
      this.compactFailedAt = s.applied
      this.components.logger.warn({ applied: s.applied, targets: this.sm.size, err: (err as Error).message }, 'cannot compact the Raft log; it keeps growing until a snapshot fits')
    }
  }

  private halt (err: Error, what: string): void {
    if (this.failure != null) return
    this.failure = Object.assign(new Error(`${what}: ${err.message}`), { name: err.name })
    this.running = false
    clearInterval(this.timer)
    this.components.logger.error({ err: err.message, name: err.name, stack: err.stack }, `${what}: this seed stops taking part in the quorum until restarted`)
    this.failAll(new QuorumStoppedError(`the quorum node halted: ${what} (${err.message})`))
  }

  private failAll (err: Error): void {
    for (const set of this.writeWaiters.values()) for (const d of set) d.reject(err)
    this.writeWaiters.clear()
    this.writeWaiterCount = 0
    for (const w of this.reads.values()) w.done.reject(err)
    this.reads.clear()
    this.notifyChange()
  }

  private notifyChange (): void {
    for (const d of this.changeWatchers) d.resolve()
    this.changeWatchers.clear()
  }
}

function commandKeys (data: Uint8Array): Array<{ digest: string, region: string }> {
  try {
    const seen = new Set<string>()
    const keys: Array<{ digest: string, region: string }> = []
    for (const w of decodeCommand(data).writes) {
      const k = `${w.digest} ${w.region}`
      if (seen.has(k)) continue
      seen.add(k)
      keys.push({ digest: w.digest, region: w.region })
    }
    return keys
  } catch {
    // The state machine rejects it too, deterministically; nothing changes.
    return []
  }
}

function sameTarget (a: ReplicaTarget, b: ReplicaTarget): boolean {
  return a.replicas === b.replicas && a.reason === b.reason && a.updatedAt === b.updatedAt
}
