/**
 * The replicated state: `(layer digest, region) -> {replicas, reason,
 * updatedAt}`. `apply` is deterministic (it reads nothing but the entry and
 * the state), so every seed that applies the same log holds the same
 * targets. Each command carries a request id; a retried request whose id
 * was already applied changes nothing and answers with the first result, so
 * a client may resend through a new leader without writing twice.
 */
import { decodeCommand, validateCommand } from './command.js'
import { DEDUP_MAX_REQUESTS, MAX_TARGETS } from './constants.js'
import { ApplyOrderError, CorruptTargetsSnapshotError } from './errors.js'
import { RequestLog } from './request-log.js'
import type { TargetCommand, TargetWrite } from './command.js'
import type { ApplyResult, ReplicaTarget, TargetEntry, TargetsStateMachine } from './index.js'

const SNAPSHOT_VERSION = 1

export class ReplicaTargets implements TargetsStateMachine {
  private targets = new Map<string, ReplicaTarget & { digest: string, region: string }>()
  private requests: RequestLog
  private index = 0

  constructor (private readonly dedupMaxRequests = DEDUP_MAX_REQUESTS) {
    this.requests = new RequestLog(dedupMaxRequests)
  }

  get appliedIndex (): number { return this.index }
  get size (): number { return this.targets.size }

  apply (entry: TargetEntry): ApplyResult | undefined {
    if (entry.index !== this.index + 1) throw new ApplyOrderError(`entry ${entry.index} applied after ${this.index}`)
    this.index = entry.index
    if (entry.kind !== 'command') return undefined
    let command: TargetCommand
    try {
      command = decodeCommand(entry.data)
    } catch (err) {
      // Proposals are checked before they enter the log; this is defence, and deterministic.
      return { index: entry.index, status: 'rejected', error: (err as Error).message }
    }
    const seen = this.requests.get(command.requestId)
    if (seen != null) return { index: entry.index, requestId: command.requestId, status: 'duplicate', firstIndex: seen.index, changed: seen.changed }
    const added = new Set(command.writes.filter(w => w.op === 'set' && !this.targets.has(key(w))).map(key)).size
    if (this.targets.size + added > MAX_TARGETS) {
      return { index: entry.index, requestId: command.requestId, status: 'rejected', error: `at most ${MAX_TARGETS} targets` }
    }
    let changed = 0
    for (const w of command.writes) changed += this.write(w, command.atMs)
    this.requests.add(command.requestId, { index: entry.index, changed })
    return { index: entry.index, requestId: command.requestId, status: 'applied', firstIndex: entry.index, changed }
  }

  private write (w: TargetWrite, atMs: number): number {
    const k = key(w)
    if (w.op === 'clear') return this.targets.delete(k) ? 1 : 0
    const old = this.targets.get(k)
    if (old != null && old.replicas === w.replicas && old.reason === w.reason) return 0
    this.targets.set(k, { digest: w.digest, region: w.region, replicas: w.replicas, reason: w.reason, updatedAt: atMs })
    return 1
  }

  get (digest: string, region: string): ReplicaTarget | undefined {
    const t = this.targets.get(`${digest} ${region}`)
    return t == null ? undefined : { replicas: t.replicas, reason: t.reason, updatedAt: t.updatedAt }
  }

  list (): Array<ReplicaTarget & { digest: string, region: string }> {
    return [...this.targets.values()].sort((a, b) => cmp(a.digest, b.digest) || cmp(a.region, b.region)).map(t => ({ ...t }))
  }

  snapshot (): Uint8Array {
    const targets = this.list().map(t => [t.digest, t.region, t.replicas, t.reason, t.updatedAt])
    return new TextEncoder().encode(JSON.stringify({ v: SNAPSHOT_VERSION, index: this.index, targets, requests: this.requests.entries() }))
  }

  restore (data: Uint8Array): void {
    let o: { v: unknown, index: unknown, targets: unknown, requests: unknown }
    try {
      o = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data))
    } catch (err) {
      throw new CorruptTargetsSnapshotError(`not a replica-target snapshot: ${(err as Error).message}`)
    }
    if (o == null || o.v !== SNAPSHOT_VERSION) throw new CorruptTargetsSnapshotError(`unknown snapshot version ${JSON.stringify(o?.v)}`)
    if (!Number.isSafeInteger(o.index) || (o.index as number) < 0) throw new CorruptTargetsSnapshotError('bad snapshot index')
    if (!Array.isArray(o.targets) || !Array.isArray(o.requests)) throw new CorruptTargetsSnapshotError('snapshot without targets or requests')
    const targets = new Map<string, ReplicaTarget & { digest: string, region: string }>()
    for (const t of o.targets as unknown[]) {
      const [digest, region, replicas, reason, updatedAt] = t as [string, string, number, string, number]
      const write: TargetWrite = { op: 'set', digest, region, replicas, reason }
      checkSnapshotTarget(write, updatedAt)
      targets.set(key(write), { digest, region, replicas, reason, updatedAt })
    }
    const requests = RequestLog.fromEntries(o.requests, this.dedupMaxRequests)
    this.targets = targets
    this.requests = requests
    this.index = o.index as number
  }
}

function checkSnapshotTarget (w: TargetWrite, updatedAt: number): void {
  try {
    // The same rules as a command's write, so a snapshot cannot smuggle in what a command could not.
    validateCommand({ requestId: 'snapshot', atMs: 0, writes: [w] })
  } catch (err) {
    throw new CorruptTargetsSnapshotError(`bad target in snapshot: ${(err as Error).message}`)
  }
  if (!Number.isSafeInteger(updatedAt) || updatedAt < 0) throw new CorruptTargetsSnapshotError('bad updatedAt in snapshot')
}

function key (w: { digest: string, region: string }): string {
  return `${w.digest} ${w.region}`
}

function cmp (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
