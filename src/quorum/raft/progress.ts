/**
 * The leader's view of one follower's log (etcd/raft's Progress). `probe`:
 * we do not know where its log matches ours, so send one append at a time
 * and wait. `replicate`: it matched, so stream appends, at most
 * `maxInflight` unacknowledged. `snapshot`: it needs a snapshot; send
 * nothing else until it answers or the snapshot is given up on.
 */
import type { ProgressStatus } from './types.js'

export class Progress {
  match = 0
  next: number
  state: ProgressStatus['state'] = 'probe'
  /** Probe: an append was sent and is not answered yet. */
  probeSent = false
  /** Snapshot: the index of the snapshot sent, and ticks since. */
  pendingSnapshot = 0
  snapshotTicks = 0
  /** Heard from since the last CheckQuorum round. */
  recentActive = false
  /** Last index of each unacknowledged append, oldest first. */
  private readonly inflight: number[] = []
  private readonly maxInflight: number

  constructor (next: number, maxInflight: number) {
    this.next = next
    this.maxInflight = maxInflight
  }

  isPaused (): boolean {
    switch (this.state) {
      case 'probe': return this.probeSent
      case 'replicate': return this.inflight.length >= this.maxInflight
      case 'snapshot': return true
    }
  }

  becomeProbe (): void {
    // After a snapshot, the follower holds at least the snapshot.
    this.next = this.state === 'snapshot' ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1
    this.state = 'probe'
    this.probeSent = false
    this.pendingSnapshot = 0
    this.inflight.length = 0
  }

  becomeReplicate (): void {
    this.state = 'replicate'
    this.next = this.match + 1
    this.probeSent = false
    this.pendingSnapshot = 0
    this.inflight.length = 0
  }

  becomeSnapshot (index: number): void {
    this.state = 'snapshot'
    this.pendingSnapshot = index
    this.snapshotTicks = 0
    this.inflight.length = 0
  }

  /** An append carrying entries up to `last` went out. */
  sentEntries (last: number): void {
    if (this.state === 'replicate') {
      this.next = last + 1
      this.inflight.push(last)
    } else {
      this.probeSent = true
    }
  }

  /**
   * Replicate: the follower answered a heartbeat, so it is alive, yet the
   * window is full. An append (or its answer) was probably lost: make room
   * for one more, whose answer (most likely a rejection) restarts the flow.
   */
  unblock (): void {
    if (this.state === 'replicate' && this.inflight.length >= this.maxInflight) this.inflight.shift()
  }

  /** An acknowledgement up to `index`; false when it tells us nothing new (stale or duplicate). */
  maybeUpdate (index: number): boolean {
    let updated = false
    if (index > this.match) {
      this.match = index
      updated = true
      this.probeSent = false
    }
    this.next = Math.max(this.next, index + 1)
    while (this.inflight.length > 0 && this.inflight[0]! <= index) this.inflight.shift()
    return updated
  }

  /**
   * A rejection of `rejected` (the prevIndex the follower refused), with its
   * hint. False when the rejection is stale: it refers to an append sent
   * before a newer one we already know the answer to.
   */
  maybeDecrTo (rejected: number, hint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false
      this.next = this.match + 1
      return true
    }
    if (this.next - 1 !== rejected) return false
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1, 1)
    this.probeSent = false
    return true
  }

  status (): ProgressStatus {
    return { match: this.match, next: this.next, state: this.state }
  }
}
