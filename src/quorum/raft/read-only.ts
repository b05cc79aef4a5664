/**
 * ReadIndex (the Raft dissertation, §6.4): a read is linearizable when it
 * is served from a state machine that has applied the leader's commit index
 * as of the moment the read arrived, provided the leader was still the
 * leader then. The leader records its commit index with the read, sends a
 * heartbeat carrying the read's context, and once a quorum echoes that
 * context (or a later one) it knows it was not deposed, and releases the
 * read. Reads are released in arrival order.
 */
import type { NodeId } from './types.js'

export interface PendingRead {
  context: string
  index: number
  /** Who asked: the leader itself or a follower that forwarded it. */
  from: NodeId
  acks: Set<NodeId>
}

export class ReadOnly {
  private queue: PendingRead[] = []
  private readonly byContext = new Map<string, PendingRead>()

  get size (): number { return this.queue.length }

  has (context: string): boolean { return this.byContext.has(context) }

  add (read: PendingRead): void {
    this.queue.push(read)
    this.byContext.set(read.context, read)
  }

  /** The context heartbeats should carry: the newest pending read's. */
  lastContext (): string {
    return this.queue[this.queue.length - 1]?.context ?? ''
  }

  /** Record `from`'s echo of `context`; returns its acknowledgements so far, or undefined when unknown. */
  ack (context: string, from: NodeId): Set<NodeId> | undefined {
    const read = this.byContext.get(context)
    if (read == null) return undefined
    read.acks.add(from)
    return read.acks
  }

  /** Remove and return every read up to and including `context`: a quorum for it covers all earlier ones. */
  releaseThrough (context: string): PendingRead[] {
    const at = this.queue.findIndex(r => r.context === context)
    if (at < 0) return []
    const out = this.queue.slice(0, at + 1)
    this.queue = this.queue.slice(at + 1)
    for (const r of out) this.byContext.delete(r.context)
    return out
  }

  reset (): void {
    this.queue = []
    this.byContext.clear()
  }
}
