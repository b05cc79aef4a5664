/**
 * A voting seed: the Raft driver over LevelDB storage and the libp2p
 * transport, and the QuorumApi on top. A write on the leader is proposed
 * here and answered once applied; on a follower it is forwarded to the
 * leader over QUORUM_PROTOCOL. Either way the request id stays the same, so
 * a write retried through a new leader is applied at most once. A read
 * asks the leader for a read index (ReadIndex) and answers from the local
 * targets once they have caught up to it. Nothing waits longer than
 * `requestTimeoutMs`: then a QuorumUnavailableError says what is missing.
 */
import { majority } from '../raft/config.js'
import { NotLeaderError } from '../raft/errors.js'
import { encodeCommand } from '../targets/command.js'
import { createLevelRaftStorage } from '../storage/index.js'
import { createRaftTransport, type RaftTransport } from '../transport/index.js'
import { RaftDriver } from './driver.js'
import { QuorumBusyError, QuorumStoppedError, QuorumUnavailableError, QuorumWriteRejectedError } from './errors.js'
import { callSeed, QuorumRpcServer } from './rpc-stream.js'
import { checkFilter, clearRequest, filterRows, setRequest, writesOf, type WriteRequest } from './requests.js'
import { firstOf, TIMEOUT } from './wait.js'
import type { ClearTargetInput, QuorumApi, QuorumStatus, SetTargetInput, TargetFilter, TargetRow, WriteResult } from '../api.js'
import type { TargetWrite } from '../targets/command.js'
import type { ApplyResult } from '../targets/index.js'
import type { QuorumAnswer, QuorumRequest } from './rpc.js'
import type { QuorumServiceComponents, QuorumServiceOptions } from './index.js'

export class QuorumService implements QuorumApi {
  readonly id: string
  private readonly driver: RaftDriver
  private readonly transport: RaftTransport
  private readonly server: QuorumRpcServer
  private lifecycle: Promise<void> | undefined
  private running = false

  constructor (private readonly opts: QuorumServiceOptions, private readonly components: QuorumServiceComponents) {
    this.id = components.libp2p.peerId.toString()
    const logger = components.logger
    this.transport = createRaftTransport({
      isVoter: peer => this.isVoter(peer),
      onMessage: m => { this.driver.step(m) }
    }, { libp2p: components.libp2p, logger, ...(components.random != null ? { random: components.random } : {}) })
    this.driver = new RaftDriver({
      id: this.id,
      voters: opts.voters,
      tickMs: opts.tickMs,
      electionTicks: opts.electionTicks,
      snapshotEveryEntries: opts.snapshotEveryEntries,
      maxPendingWrites: opts.maxPendingWrites,
      maxPendingReads: opts.maxPendingReads
    }, {
      storage: components.storage ?? createLevelRaftStorage({ dir: opts.dir }),
      send: m => { this.transport.send(m) },
      logger,
      random: components.random ?? Math.random,
      ...(components.onApplied != null ? { onApplied: components.onApplied } : {})
    })
    this.server = new QuorumRpcServer({ libp2p: components.libp2p, logger }, async (req, _peer, signal) => await this.answer(req, signal))
  }

  async start (): Promise<void> {
    await this.lifecycle
    if (this.running) return
    this.lifecycle = (async () => {
      await this.driver.start()
      try {
        await this.transport.start()
        await this.server.start()
      } catch (err) {
        await this.transport.stop()
        await this.driver.stop()
        throw err
      }
      this.running = true
    })()
    try { await this.lifecycle } finally { this.lifecycle = undefined }
  }

  async stop (): Promise<void> {
    await this.lifecycle
    if (!this.running) return
    this.running = false
    this.lifecycle = (async () => {
      await this.server.stop()
      await this.transport.stop()
      await this.driver.stop()
    })()
    try { await this.lifecycle } finally { this.lifecycle = undefined }
  }

  async status (): Promise<QuorumStatus> {
    const s = this.driver.status()
    const progress = s.progress
    return {
      id: this.id,
      seed: true,
      role: s.role,
      term: s.term,
      ...(s.leaderId != null ? { leader: s.leaderId } : {}),
      commitIndex: s.commit,
      appliedIndex: this.driver.targets.appliedIndex,
      members: s.config.voters.map(id => {
        const region = this.opts.regions[id]
        // The core tracks followers' progress; the leader's own is what is on its disk.
        const match = progress == null ? undefined : id === this.id ? s.stableIndex : progress[id]?.match
        return {
          id,
          ...(region != null ? { region } : {}),
          ...(match != null ? { matchIndex: match, lag: Math.max(0, s.lastIndex - match) } : {}),
          connected: this.transport.connected(id)
        }
      })
    }
  }

  async targets (filter: TargetFilter & { signal?: AbortSignal } = {}): Promise<TargetRow[]> {
    checkFilter(filter)
    const deadline = Date.now() + this.opts.requestTimeoutMs
    // A read index request or its answer may be lost without any change of leader: ask again after this long.
    const attemptMs = this.opts.electionTicks * this.opts.tickMs
    let problem = 'no leader'
    while (true) {
      this.driver.requireRunning()
      const watch = this.driver.watchChange()
      const changed = watch.changed.then(() => 'changed' as const)
      const leader = this.driver.leaderId
      let read: { done: Promise<void>, cancel: () => void } | undefined
      if (leader != null) {
        try {
          read = this.driver.startRead()
          problem = `no read index from the leader ${leader} within ${this.opts.requestTimeoutMs} ms`
        } catch (err) {
          if ((err as Error).name !== 'NotLeaderError') throw busy(err as Error)
        }
      }
      try {
        const waits = read != null ? [read.done.then(() => 'read' as const), changed] : [changed]
        const outcome = await firstOf(waits, Math.min(deadline, Date.now() + attemptMs), filter.signal)
        if (outcome === 'read') return filterRows(this.driver.targets.list(), filter)
      } finally {
        read?.cancel()
        watch.cancel()
      }
      if (Date.now() >= deadline) throw this.unavailable(problem, this.driver.leaderId)
    }
  }

  async set (input: SetTargetInput): Promise<WriteResult> {
    return await this.write(setRequest(input))
  }

  async clear (input: ClearTargetInput): Promise<WriteResult> {
    return await this.write(clearRequest(input))
  }

  async batch (input: { writes: TargetWrite[], requestId?: string, signal?: AbortSignal }): Promise<WriteResult> {
    return await this.write(input)
  }

  /**
   * Commit a write through whoever leads, retrying (with the same request
   * id) when leadership moves, until `timeoutMs`. With `leaderOnly`, only as
   * the leader: a forwarded write is never forwarded again.
   */
  async write (input: WriteRequest, options: { timeoutMs?: number, leaderOnly?: boolean } = {}): Promise<WriteResult> {
    const { requestId, writes } = writesOf(input)
    const timeoutMs = Math.min(options.timeoutMs ?? this.opts.requestTimeoutMs, this.opts.requestTimeoutMs)
    const applied = this.driver.waitForRequest(requestId)
    const w: PendingWrite = {
      requestId, writes, timeoutMs, deadline: Date.now() + timeoutMs, applied: applied.result, leaderOnly: options.leaderOnly === true, signal: input.signal, problem: 'no leader'
    }
    try {
      while (true) {
        this.driver.requireRunning()
        const watch = this.driver.watchChange()
        try {
          const result = await this.attempt(w, watch.changed)
          if (result != null) return result
        } finally {
          watch.cancel()
        }
        if (w.leaderOnly && this.driver.leaderId !== this.id) throw new NotLeaderError(this.driver.leaderId)
      }
    } finally {
      applied.cancel()
    }
  }

  /** One try: propose (as the leader) or forward, then wait; the result, or undefined to try again. Throws at the deadline. */
  private async attempt (w: PendingWrite, changed: Promise<void>): Promise<WriteResult | undefined> {
    const leader = this.driver.leaderId
    let proposed = false
    if (leader === this.id) {
      try {
        // Proposing again after a change of leader is safe: the state machine applies a request id once.
        this.driver.propose(encodeCommand({ requestId: w.requestId, atMs: Date.now(), writes: w.writes }))
        proposed = true
        w.problem = `no commit within ${w.timeoutMs} ms`
      } catch (err) {
        if ((err as Error).name !== 'NotLeaderError') throw busy(err as Error)
      }
    } else if (w.leaderOnly) {
      throw new NotLeaderError(leader)
    } else if (leader != null) {
      const forwarded = await this.forward(leader, w)
      if (typeof forwarded !== 'string') return forwarded
      w.problem = forwarded
    }
    // Wait for the outcome or a change of leader; after a failed forward, only a moment before trying again.
    const waitUntil = proposed || leader == null ? w.deadline : Math.min(w.deadline, Date.now() + this.opts.tickMs * 2)
    const outcome = await firstOf<ApplyResult | undefined>([w.applied, changed.then(() => undefined)], waitUntil, w.signal)
    if (outcome !== TIMEOUT && outcome !== undefined) return resultOf(outcome)
    if (Date.now() >= w.deadline) throw this.unavailable(w.problem, this.driver.leaderId)
    return undefined
  }

  /** The result, or a string saying why it did not work (to retry); final errors are thrown. */
  private async forward (leader: string, w: PendingWrite): Promise<WriteResult | string> {
    const { signal, deadline } = w
    const controller = new AbortController()
    const timeoutMs = Math.max(1, deadline - Date.now())
    const req: QuorumRequest = { v: 1, op: 'write', requestId: w.requestId, writes: w.writes, leaderOnly: true, timeoutMs }
    const call = callSeed(this.components.libp2p, leader, req, AbortSignal.any([controller.signal, ...(signal != null ? [signal] : [])]))
    try {
      type Outcome = { remote: QuorumAnswer } | { local: ApplyResult }
      const outcome = await firstOf<Outcome>([call.then(a => ({ remote: a })), w.applied.then(r => ({ local: r }))], deadline, signal)
      if (outcome === TIMEOUT) return `no answer from the leader ${leader} within ${timeoutMs} ms`
      if ('local' in outcome) return resultOf(outcome.local)
      if ('result' in outcome.remote) return outcome.remote.result
      return `a wrong answer from the leader ${leader}`
    } catch (err) {
      const name = (err as Error).name
      if (signal?.aborted === true || FINAL.has(name)) throw err
      if (name === 'NotLeaderError') return `${leader} is no longer the leader`
      if (name === 'QuorumUnavailableError' || name === 'QuorumStoppedError') return `the leader ${leader} could not commit (${(err as Error).message})`
      return `the leader ${leader} is unreachable (${(err as Error).message})`
    } finally {
      controller.abort()
    }
  }

  /** What a seed answers on QUORUM_PROTOCOL. */
  private async answer (req: QuorumRequest, signal: AbortSignal): Promise<QuorumAnswer> {
    if (!this.running) throw new QuorumStoppedError('the quorum node is not running')
    switch (req.op) {
      case 'status':
        return { status: await this.status() }
      case 'targets':
        return { targets: await this.targets({ ...(req.layer != null ? { layer: req.layer } : {}), ...(req.region != null ? { region: req.region } : {}), signal }) }
      case 'write':
        return { result: await this.write({ writes: req.writes, requestId: req.requestId, signal }, { timeoutMs: req.timeoutMs, leaderOnly: req.leaderOnly }) }
    }
  }

  private isVoter (peer: string): boolean {
    if (this.opts.voters.includes(peer)) return true
    try {
      return this.driver.status().config.voters.includes(peer)
    } catch {
      return false
    }
  }

  private unavailable (problem: string, leaderId: string | null): QuorumUnavailableError {
    let voters: string[]
    try {
      voters = this.driver.status().config.voters
    } catch (err) {
      if (err instanceof QuorumStoppedError) throw err
      voters = this.opts.voters
    }
    const reachable = voters.filter(v => this.transport.connected(v)).length
    const need = majority(voters.length)
    return new QuorumUnavailableError(`${problem}: ${reachable} of ${voters.length} seeds reachable, need ${need}`, { reachable, voters: voters.length, need, leaderId })
  }
}

/** A write in progress, across its attempts. */
interface PendingWrite {
  requestId: string
  writes: TargetWrite[]
  timeoutMs: number
  deadline: number
  /** Resolves when this node applies the request, whoever proposed it. */
  applied: Promise<ApplyResult>
  leaderOnly: boolean
  signal: AbortSignal | undefined
  /** Why it has not committed yet, for the error at the deadline. */
  problem: string
}

/** Errors that retrying through another leader cannot cure. */
const FINAL = new Set(['InvalidTargetCommandError', 'QuorumWriteRejectedError', 'QuorumBusyError', 'QuorumAnswerTooLargeError'])

function resultOf (r: ApplyResult): WriteResult {
  if (r.status === 'rejected') throw new QuorumWriteRejectedError(`the quorum refused the write: ${r.error}`)
  return { index: r.firstIndex, status: r.status }
}

function busy (err: Error): Error {
  return err.name === 'RaftBusyError' ? new QuorumBusyError(err.message) : err
}
