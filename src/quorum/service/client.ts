/**
 * The quorum seen from a daemon that does not vote: every call goes to a
 * seed over QUORUM_PROTOCOL, seeds this node is connected to first. A seed
 * that cannot answer (unreachable, without a leader, stopping) is skipped
 * for the next; errors that another seed could not cure (a bad write, a
 * refused write) are returned at once. Writes keep one request id across
 * seeds, so a retry through another seed is applied at most once.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { majority } from '../raft/config.js'
import { QuorumStoppedError, QuorumUnavailableError } from './errors.js'
import { checkFilter, clearRequest, setRequest, writesOf, type WriteRequest } from './requests.js'
import { callSeed } from './rpc-stream.js'
import type { Libp2p } from '@libp2p/interface'
import type { ClearTargetInput, QuorumApi, QuorumStatus, SetTargetInput, TargetFilter, TargetRow, WriteResult } from '../api.js'
import type { TargetWrite } from '../targets/command.js'
import type { QuorumAnswer, QuorumRequest } from './rpc.js'
import type { QuorumClientOptions, QuorumLogger } from './index.js'

/** Errors that asking another seed cannot cure. */
const FINAL = new Set(['InvalidTargetCommandError', 'QuorumWriteRejectedError', 'QuorumAnswerTooLargeError', 'AbortError'])

export class QuorumClient implements QuorumApi {
  readonly id: string
  private running = false
  private stopping = new AbortController()
  /** Rotates the first seed asked among equals, so one seed does not take every request. */
  private turn = 0

  constructor (private readonly opts: QuorumClientOptions, private readonly components: { libp2p: Pick<Libp2p, 'peerId' | 'dialProtocol' | 'getConnections'>, logger: QuorumLogger }) {
    this.id = components.libp2p.peerId.toString()
  }

  async start (): Promise<void> {
    if (this.running) return
    this.running = true
    this.stopping = new AbortController()
  }

  async stop (): Promise<void> {
    if (!this.running) return
    this.running = false
    this.stopping.abort(new QuorumStoppedError('the quorum client stopped'))
  }

  /** A seed's status, seen from here (`role: 'observer'`, connections as this daemon has them); without any seed answering, what this daemon knows. */
  async status (): Promise<QuorumStatus> {
    let seed: QuorumStatus | undefined
    try {
      const answer = await this.ask({ v: 1, op: 'status' })
      if ('status' in answer) seed = answer.status
    } catch (err) {
      if ((err as Error).name !== 'QuorumUnavailableError') throw err
      this.components.logger.debug({ err: (err as Error).message }, 'no seed answered a status request')
    }
    const members = seed?.members ?? this.opts.seeds.map(id => ({ id, connected: false }))
    return {
      id: this.id,
      seed: false,
      role: 'observer',
      term: seed?.term ?? 0,
      ...(seed?.leader != null ? { leader: seed.leader } : {}),
      commitIndex: seed?.commitIndex ?? 0,
      appliedIndex: seed?.appliedIndex ?? 0,
      members: members.map(m => ({ ...m, connected: this.connected(m.id) }))
    }
  }

  async targets (filter: TargetFilter & { signal?: AbortSignal } = {}): Promise<TargetRow[]> {
    checkFilter(filter)
    const req: QuorumRequest = { v: 1, op: 'targets', ...(filter.layer != null ? { layer: filter.layer } : {}), ...(filter.region != null ? { region: filter.region } : {}) }
    const answer = await this.ask(req, filter.signal)
    return 'targets' in answer ? answer.targets : []
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

  private async write (input: WriteRequest): Promise<WriteResult> {
    const { requestId, writes } = writesOf(input)
    const answer = await this.ask({ v: 1, op: 'write', requestId, writes, leaderOnly: false, timeoutMs: this.opts.requestTimeoutMs }, input.signal)
    if (!('result' in answer)) throw new QuorumUnavailableError('a seed answered a write without its result', this.detail())
    return answer.result
  }

  /** Ask the seeds in turn until one answers, within requestTimeoutMs in all. */
  private async ask (req: QuorumRequest, signal?: AbortSignal): Promise<QuorumAnswer> {
    if (!this.running) throw new QuorumStoppedError('the quorum client is not running; start() it first')
    const deadline = Date.now() + this.opts.requestTimeoutMs
    const order = this.order()
    const problems: string[] = []
    for (let i = 0; i < order.length; i++) {
      const left = deadline - Date.now()
      if (left <= 0) break
      // Leave the others time too: a seed in a minority waits out its whole timeout before it says so.
      const budget = i === order.length - 1 ? left : Math.max(Math.floor(left / 2), Math.min(left, 1000))
      const seed = order[i]!
      const attempt = req.op === 'write' ? { ...req, timeoutMs: Math.max(1, budget - 50) } : req
      const signals = [this.stopping.signal, AbortSignal.timeout(budget), ...(signal != null ? [signal] : [])]
      try {
        return await callSeed(this.components.libp2p, seed, attempt, AbortSignal.any(signals))
      } catch (err) {
        const e = err as Error
        if (FINAL.has(e.name) || signal?.aborted === true) throw err
        if (this.stopping.signal.aborted) throw new QuorumStoppedError('the quorum client stopped')
        this.components.logger.debug({ seed, err: e.message, name: e.name }, 'a seed did not answer; asking the next')
        problems.push(`${seed}: ${e.message}`)
      }
    }
    const d = this.detail()
    throw new QuorumUnavailableError(`no seed answered (${d.reachable} of ${d.voters} seeds reachable, need ${d.need}): ${problems.join('; ') || 'out of time'}`, d)
  }

  /** Connected seeds first, rotating which comes first. */
  private order (): string[] {
    const seeds = this.opts.seeds
    const start = this.turn++ % seeds.length
    const rotated = [...seeds.slice(start), ...seeds.slice(0, start)]
    return [...rotated.filter(s => this.connected(s)), ...rotated.filter(s => !this.connected(s))]
  }

  private connected (peer: string): boolean {
    try {
      return this.components.libp2p.getConnections(peerIdFromString(peer)).some(c => c.status === 'open')
    } catch {
      return false
    }
  }

  private detail (): { reachable: number, voters: number, need: number } {
    const voters = this.opts.seeds.length
    return { reachable: this.opts.seeds.filter(s => this.connected(s)).length, voters, need: majority(voters) }
  }
}
