/**
 * Clients of the replica-target API. Each runs one operation at a time:
 * set, clear, a batch, or a linearizable read (ReadIndex), against the node
 * it believes leads. A write is retried with the same request id (through
 * whichever node leads by then) until some node it asked applies it; a
 * read is retried with a new context. Every operation is recorded with its
 * call and return step, and `histories` turns them into one register
 * history per key for the linearizability check.
 */
import { encodeCommand } from '../../src/quorum/targets/index.js'
import { digest } from './simulation.js'
import type { RegisterOp } from './linearizability.js'
import type { SimNode, Simulation } from './simulation.js'
import type { TargetWrite } from '../../src/quorum/targets/index.js'

const DIGESTS = ['layer-a', 'layer-b'].map(s => `sha256:${digest(new TextEncoder().encode(s))}`)
const REGIONS = ['eu-west', 'us-east']
const KEYS = DIGESTS.flatMap(d => REGIONS.map(r => ({ digest: d, region: r })))
const ATTEMPT_TIMEOUT_MS = 150

export interface ClientOp {
  label: string
  kind: 'write' | 'read'
  writes: TargetWrite[]
  /** For reads: the key read and the value seen. */
  key?: { digest: string, region: string }
  value?: string | null
  call: number
  ret: number
  done: boolean
}

interface Client {
  id: number
  op?: ClientOp
  attempt: number
  count: number
  leaderHint?: string
}

export class Workload {
  readonly ops: ClientOp[] = []
  private readonly clients: Client[]

  constructor (private readonly sim: Simulation) {
    this.clients = Array.from({ length: sim.scenario.clients }, (_, id) => ({ id, attempt: 0, count: 0 }))
    sim.onComplete = (op, node) => this.complete(op, node)
  }

  start (): void {
    for (const c of this.clients) this.sim.schedule(this.sim.clientRandom.float() * 20, { kind: 'client', client: c.id })
  }

  get pending (): number {
    return this.clients.filter(c => c.op != null).length
  }

  /** A client acts: starts a new operation (until the faults heal) or retries its current one. */
  act (clientId: number): void {
    const c = this.clients[clientId]!
    if (c.op == null) {
      if (this.sim.healed) return
      c.op = this.newOp(c)
      c.attempt = 0
      this.ops.push(c.op)
    }
    this.attempt(c)
  }

  timeout (clientId: number, attempt: number): void {
    const c = this.clients[clientId]!
    if (c.op == null || c.attempt !== attempt) return
    delete c.leaderHint
    this.attempt(c)
  }

  private newOp (c: Client): ClientOp {
    const r = this.sim.clientRandom
    const label = `c${c.id}-${++c.count}`
    const roll = r.float()
    const base = { label, call: this.sim.step, ret: Infinity, done: false }
    if (roll < 0.4) return { ...base, kind: 'read', writes: [], key: r.pick(KEYS) }
    const write = (k: { digest: string, region: string }, tag: string): TargetWrite => r.chance(0.2)
      ? { op: 'clear', ...k }
      : { op: 'set', ...k, replicas: r.range(0, 9), reason: `${label}${tag}` }
    if (roll < 0.8) return { ...base, kind: 'write', writes: [write(r.pick(KEYS), '')] }
    const keys = KEYS.filter(() => r.chance(0.6))
    if (keys.length === 0) keys.push(r.pick(KEYS))
    return { ...base, kind: 'write', writes: keys.map((k, i) => write(k, `/${i}`)) }
  }

  private attempt (c: Client): void {
    const sim = this.sim
    const op = c.op!
    const attempt = ++c.attempt
    const live = [...sim.nodes.values()].filter(n => n.up)
    const hinted = c.leaderHint == null ? undefined : sim.nodes.get(c.leaderHint)
    const node = hinted?.up === true ? hinted : live.length > 0 ? sim.clientRandom.pick(live) : undefined
    if (node == null) {
      sim.schedule(20, { kind: 'client', client: c.id })
      return
    }
    try {
      if (op.kind === 'write') {
        node.raft!.propose(encodeCommand({ requestId: op.label, atMs: Math.floor(sim.now), writes: op.writes }))
        node.writes.set(op.label, op)
      } else {
        const context = `${op.label}.${attempt}`
        node.raft!.readIndex(context)
        node.reads.set(context, { op })
      }
    } catch (err) {
      const e = err as Error & { leaderId?: string | null }
      if (e.name !== 'NotLeaderError' && e.name !== 'RaftBusyError') throw err
      if (e.leaderId != null) c.leaderHint = e.leaderId
      else delete c.leaderHint
      sim.schedule(2 + sim.clientRandom.float() * 10, { kind: 'client', client: c.id })
      return
    }
    sim.guard(node, () => {})
    sim.schedule(ATTEMPT_TIMEOUT_MS, { kind: 'client-timeout', client: c.id, attempt })
  }

  private complete (op: ClientOp, node: SimNode): void {
    if (op.done) return
    op.done = true
    op.ret = this.sim.step
    if (op.kind === 'read') op.value = node.sm!.get(op.key!.digest, op.key!.region)?.reason ?? null
    const c = this.clients.find(x => x.op === op)
    if (c == null) return
    delete c.op
    c.leaderHint = node.id
    this.sim.schedule(1 + this.sim.clientRandom.float() * 30, { kind: 'client', client: c.id })
  }

  /** One register history per key: each write of a batch is a write of its key. */
  histories (): Map<string, RegisterOp[]> {
    const out = new Map<string, RegisterOp[]>()
    const add = (key: { digest: string, region: string }, op: RegisterOp): void => {
      const k = `${key.region}/${key.digest.slice(7, 15)}`
      if (!out.has(k)) out.set(k, [])
      out.get(k)!.push(op)
    }
    for (const op of this.ops) {
      if (op.kind === 'read') {
        add(op.key!, { kind: 'read', value: op.value ?? null, call: op.call, ret: op.ret, label: op.label })
      } else {
        for (const w of op.writes) add(w, { kind: 'write', value: w.op === 'set' ? w.reason : null, call: op.call, ret: op.ret, label: op.label })
      }
    }
    return out
  }
}
