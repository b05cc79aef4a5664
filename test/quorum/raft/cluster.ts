/**
 * A hand-driven cluster for unit tests: real RaftNodes, every message
 * through the real codec, storage that is durable at once (unless a test
 * holds a node's writes back), and a network the test steps explicitly:
 * nothing moves unless a test says so. `spawn` / `stabilize` / `crash` /
 * `restart` are the verbs; `cut` / `heal` shape the network.
 */
import { createRaftNode, decodeMessage, encodeMessage } from '../../../src/quorum/raft/index.js'
import { applyWrites, emptyState } from '../../../src/quorum/raft/persist.js'
import type { Entry, Message, PersistedState, RaftInit, RaftNode, ReadState, Snapshot } from '../../../src/quorum/raft/index.js'

export interface TestNode {
  id: string
  raft: RaftNode
  disk: PersistedState
  /** Every committed entry handed out, in order. */
  applied: Entry[]
  readStates: ReadState[]
  /** Snapshots handed out to install. */
  installed: Snapshot[]
  init: Omit<RaftInit, 'id' | 'persisted'>
}

/** A seeded stand-in for randomness: the same sequence every run. */
export function counterRandom (seed = 1): () => number {
  let x = seed
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648
    return x / 2147483648
  }
}

export class TestCluster {
  readonly nodes = new Map<string, TestNode>()
  readonly down = new Set<string>()
  /** Messages sent and not yet delivered, in order. */
  inFlight: Message[] = []
  private readonly cuts = new Set<string>()

  /** Start `ids` as founders; `init` applies to all. */
  static spawn (ids: string[], init: Omit<RaftInit, 'id' | 'persisted' | 'voters'> = {}): TestCluster {
    const c = new TestCluster()
    for (const id of ids) c.add(id, { ...init, voters: ids })
    return c
  }

  /** Start a node (a joiner when `init.voters` is left out). */
  add (id: string, init: Omit<RaftInit, 'id' | 'persisted'> = {}): TestNode {
    const disk = emptyState()
    const node: TestNode = { id, raft: undefined as unknown as RaftNode, disk, applied: [], readStates: [], installed: [], init }
    node.raft = createRaftNode({ id, persisted: structuredClone(disk), ...init }, { random: counterRandom(id.charCodeAt(0)) })
    this.nodes.set(id, node)
    this.process(id)
    return node
  }

  get (id: string): TestNode {
    const n = this.nodes.get(id)
    if (n == null) throw new Error(`no node ${id}`)
    return n
  }

  /** Handle every Ready of `id` (or of all live nodes): persist, send, apply, advance. */
  process (id?: string): void {
    const ids = id == null ? [...this.nodes.keys()] : [id]
    for (const i of ids) {
      if (this.down.has(i)) continue
      const n = this.get(i)
      while (n.raft.hasReady()) {
        const rd = n.raft.ready()
        applyWrites(n.disk, rd)
        for (const m of rd.messages) this.inFlight.push(decodeMessage(encodeMessage(m)))
        if (rd.snapshot != null) n.installed.push(rd.snapshot)
        n.applied.push(...rd.committed)
        n.readStates.push(...rd.readStates)
        n.raft.advance()
      }
    }
  }

  /** Deliver what is in flight (optionally only what `filter` passes; the rest stays queued), once. */
  deliver (filter: (m: Message) => boolean = () => true): number {
    const now = this.inFlight
    this.inFlight = []
    let delivered = 0
    for (const m of now) {
      if (!filter(m)) {
        this.inFlight.push(m)
        continue
      }
      if (this.down.has(m.to) || this.cuts.has(`${m.from}>${m.to}`) || !this.nodes.has(m.to)) continue
      this.get(m.to).raft.step(m)
      delivered++
      this.process(m.to)
    }
    return delivered
  }

  /** Deliver until nothing is in flight (bounded, so a livelock fails the test instead of hanging it). */
  stabilize (maxRounds = 100): void {
    this.process()
    for (let i = 0; i < maxRounds && this.inFlight.length > 0; i++) this.deliver()
    if (this.inFlight.length > 0) throw new Error(`still ${this.inFlight.length} messages in flight after ${maxRounds} rounds`)
  }

  /** Drop everything in flight. */
  drop (filter: (m: Message) => boolean = () => true): void {
    this.inFlight = this.inFlight.filter(m => !filter(m))
  }

  tick (id: string, times = 1): void {
    for (let i = 0; i < times; i++) {
      this.get(id).raft.tick()
      this.process(id)
    }
  }

  /** Make `id` campaign now and let the cluster settle. */
  elect (id: string): void {
    this.get(id).raft.campaign()
    this.stabilize()
  }

  leader (): TestNode | undefined {
    return [...this.nodes.values()].find(n => !this.down.has(n.id) && n.raft.status().role === 'leader')
  }

  /** Cut both directions between `id` and everyone else. */
  isolate (id: string): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue
      this.cuts.add(`${id}>${other}`)
      this.cuts.add(`${other}>${id}`)
    }
  }

  cut (from: string, to: string): void {
    this.cuts.add(`${from}>${to}`)
  }

  heal (): void {
    this.cuts.clear()
  }

  crash (id: string): void {
    this.down.add(id)
    this.inFlight = this.inFlight.filter(m => m.to !== id)
  }

  /** Restart from what is on disk. */
  restart (id: string): void {
    const n = this.get(id)
    this.down.delete(id)
    n.raft = createRaftNode({ id, persisted: structuredClone(n.disk), ...n.init }, { random: counterRandom(id.charCodeAt(0) + 7) })
    n.applied = []
    this.process(id)
  }

  /** Propose on `id` (which must lead) and return where it went. */
  propose (id: string, text: string): { index: number, term: number } {
    const at = this.get(id).raft.propose(new TextEncoder().encode(text))
    this.process(id)
    return at
  }
}

export function text (e: { data: Uint8Array } | undefined): string {
  return e == null ? '' : new TextDecoder().decode(e.data)
}
