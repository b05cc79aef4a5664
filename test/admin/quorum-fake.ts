/**
 * An in-memory `DaemonQuorumApi` for the admin routes' and the CLI's tests:
 * one "seed" applying every write at once to the real replica-target state
 * machine (so validation, deduplication and ordering are the real ones),
 * with switches to make it unavailable and a table "heard on gossip".
 */
import { randomUUID } from 'node:crypto'
import type { DaemonQuorumApi, TargetsAnswer } from '../../src/daemon/api.js'
import type { QuorumStatus, SetTargetInput, TargetFilter, TargetRow, WriteResult } from '../../src/quorum/api.js'
import { createReplicaTargets, encodeCommand, InvalidTargetCommandError, type TargetWrite } from '../../src/quorum/targets/index.js'
import { FakeDaemon, FAKE_PEER, REMOTE_PEER } from './fake-daemon.js'

/** The service's error, by name (errors are matched by name across the admin API). */
export class QuorumUnavailableError extends Error {
  override name = 'QuorumUnavailableError' as const
}

export const FAKE_AT_MS = Date.UTC(2024, 4, 1, 12, 0, 0)

export class FakeQuorum implements DaemonQuorumApi {
  readonly state = createReplicaTargets()
  /** When set, every call fails with QuorumUnavailableError and this message. */
  unavailable: string | undefined
  /** What `targetsOrHeard` falls back to. */
  heard: TargetRow[] = []
  heardIndex = 0
  readonly calls: string[] = []
  private index = 0

  async status (): Promise<QuorumStatus> {
    this.calls.push('status')
    this.check()
    return {
      id: FAKE_PEER,
      seed: true,
      role: 'leader',
      term: 3,
      leader: FAKE_PEER,
      commitIndex: this.index,
      appliedIndex: this.index,
      members: [
        { id: FAKE_PEER, region: 'eu-west', matchIndex: this.index, lag: 0, connected: true },
        { id: REMOTE_PEER, region: 'us-east', matchIndex: Math.max(0, this.index - 1), lag: Math.min(1, this.index), connected: true }
      ]
    }
  }

  async targets (filter: TargetFilter & { signal?: AbortSignal } = {}): Promise<TargetRow[]> {
    this.calls.push(`targets ${filter.layer ?? '-'} ${filter.region ?? '-'}`)
    this.check()
    return this.state.list().filter(r => (filter.layer == null || r.digest === filter.layer) && (filter.region == null || r.region === filter.region))
  }

  async targetsOrHeard (filter: TargetFilter & { signal?: AbortSignal } = {}): Promise<TargetsAnswer> {
    try {
      return { source: 'quorum', targets: await this.targets(filter) }
    } catch (err) {
      if ((err as Error).name !== 'QuorumUnavailableError') throw err
      return { source: 'gossip', targets: this.heard, unavailable: (err as Error).message, heardIndex: this.heardIndex, heardAtMs: FAKE_AT_MS }
    }
  }

  async set (input: SetTargetInput): Promise<WriteResult> {
    this.calls.push(`set ${input.digest} ${input.region} ${input.replicas} ${input.reason}`)
    return this.write([{ op: 'set', digest: input.digest, region: input.region, replicas: input.replicas, reason: input.reason }], input.requestId)
  }

  async clear (input: { digest: string, region: string, requestId?: string }): Promise<WriteResult> {
    this.calls.push(`clear ${input.digest} ${input.region}`)
    return this.write([{ op: 'clear', digest: input.digest, region: input.region }], input.requestId)
  }

  async batch (input: { writes: TargetWrite[], requestId?: string }): Promise<WriteResult> {
    this.calls.push(`batch ${input.writes.length}`)
    return this.write(input.writes, input.requestId)
  }

  private write (writes: TargetWrite[], requestId: string = randomUUID()): WriteResult {
    this.check()
    const data = encodeCommand({ requestId, atMs: FAKE_AT_MS, writes })
    const r = this.state.apply({ index: ++this.index, kind: 'command', data })
    if (r == null || r.status === 'rejected') throw new InvalidTargetCommandError(r?.status === 'rejected' ? r.error : 'not applied')
    return { index: r.index, status: r.status }
  }

  private check (): void {
    if (this.unavailable != null) throw new QuorumUnavailableError(this.unavailable)
  }
}

/** A FakeDaemon that runs a (fake) quorum. */
export class QuorumFakeDaemon extends FakeDaemon {
  readonly quorum = new FakeQuorum()
}
