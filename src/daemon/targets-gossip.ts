/**
 * Committed replica targets on gossipsub (`shoal/targets/1`), so that every
 * daemon knows them without asking a seed, and still has an answer when no
 * seed does.
 *
 * Every seed publishes what it applies (not only the leader): a leader
 * killed between applying an entry and publishing it would otherwise leave a
 * hole no one fills, since followers have applied it already. Receivers
 * dedupe by the entry's log index, per (digest, region): a change is taken
 * only when its index is at least the one held, so copies from three seeds,
 * replays after a seed restarts and messages that arrive out of order all
 * leave the same table. A clear is kept as a tombstone with its index, so a
 * late copy of an older set cannot bring the target back. Only messages
 * signed by a voter (a seed of the peers file) are taken.
 *
 * Bounded: messages of at most TARGETS_MESSAGE_MAX_BYTES (a large batch is
 * split), at most TARGETS_MAX_PENDING_PUBLISHES in flight (more are dropped
 * and counted: the next change of the same key repairs it, and a daemon
 * also primes its table from a seed), and at most TARGETS_MAX_HEARD keys held
 * (the least recently changed forgotten first).
 */
import type { GossipSub, Message } from '@libp2p/gossipsub'
import type { Logger } from 'pino'
import { KiB } from '../node/constants.js'
import type { TargetFilter, TargetRow } from '../quorum/api.js'
import type { ReplicaTarget } from '../quorum/targets/index.js'
import { MAX_REPLICAS, REASON_MAX_CHARS, REGION_MAX_CHARS } from '../quorum/targets/index.js'

export const TARGETS_TOPIC = 'shoal/targets/1'
/** Largest message published or taken; a batch of changes above it is split. */
export const TARGETS_MESSAGE_MAX_BYTES = 64 * KiB
/** Keys (targets and tombstones) held from gossip. */
export const TARGETS_MAX_HEARD = 100_000
/** Publishes waiting on gossipsub; past it new ones are dropped and counted. */
export const TARGETS_MAX_PENDING_PUBLISHES = 256

const VERSION = 1
const DIGEST_RE = /^sha256:[0-9a-f]{64}$/
const REGION_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** One applied change: a target, or its clear (no `target`). */
export interface TargetChange {
  digest: string
  region: string
  target?: ReplicaTarget
}

interface Heard {
  /** The log index of the entry that made this change; 0 for rows primed from a seed's answer. */
  index: number
  target?: ReplicaTarget
}

export interface TargetsGossipComponents {
  pubsub: GossipSub
  logger: Logger
  /** Peer ids whose messages are taken: the seeds. */
  voters: readonly string[]
}

export class TargetsGossip {
  private readonly heard = new Map<string, Heard>()
  private readonly voters: Set<string>
  private started = false
  private pending = 0
  private live = 0
  /** Messages not published because TARGETS_MAX_PENDING_PUBLISHES were in flight. */
  dropped = 0
  /** Messages refused: malformed, too large, or not signed by a seed. */
  refused = 0
  /** The highest log index heard, and when. */
  heardIndex = 0
  heardAtMs = 0

  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (msg.topic !== TARGETS_TOPIC) return
    try {
      if (msg.type !== 'signed' || !this.voters.has(msg.from.toString())) throw new Error(`not signed by a seed (${msg.type === 'signed' ? msg.from.toString() : 'unsigned'})`)
      if (msg.data.byteLength > TARGETS_MESSAGE_MAX_BYTES) throw new Error(`${msg.data.byteLength} bytes, over ${TARGETS_MESSAGE_MAX_BYTES}`)
      const { index, changes } = decode(msg.data)
      this.take(index, changes)
    } catch (err) {
      this.refused++
      this.components.logger.debug({ err: (err as Error).message }, 'ignored a targets message')
    }
  }

  constructor (private readonly components: TargetsGossipComponents) {
    this.voters = new Set(components.voters)
  }

  /** Targets held (tombstones not counted). */
  get size (): number {
    return this.live
  }

  start (): void {
    if (this.started) return
    this.started = true
    this.components.pubsub.addEventListener('message', this.onMessage)
    this.components.pubsub.subscribe(TARGETS_TOPIC)
  }

  stop (): void {
    if (!this.started) return
    this.started = false
    this.components.pubsub.removeEventListener('message', this.onMessage)
    this.components.pubsub.unsubscribe(TARGETS_TOPIC)
  }

  /** A seed applied `changes` at log index `index`: keep them, and tell everyone. */
  publish (changes: readonly TargetChange[], index: number): void {
    this.take(index, changes)
    if (!this.started) return
    for (const data of encode(index, changes)) {
      if (this.pending >= TARGETS_MAX_PENDING_PUBLISHES) {
        // A seed replaying its log on restart can hit this in a burst: one line per hundred, not per message.
        if (this.dropped++ % 100 === 0) this.components.logger.warn({ index, pending: this.pending, dropped: this.dropped }, 'targets messages dropped: too many publishes in flight')
        continue
      }
      this.pending++
      this.components.pubsub.publish(TARGETS_TOPIC, data).catch(err => {
        this.components.logger.debug({ err: (err as Error).message, index }, 'targets message not published')
      }).finally(() => { this.pending-- })
    }
  }

  /** Rows from a seed's answer, for keys not heard otherwise (gossip that came since is newer or equal). */
  prime (rows: readonly TargetRow[]): void {
    for (const r of rows) {
      const k = key(r.digest, r.region)
      if (this.heard.has(k)) continue
      this.put(k, { index: 0, target: { replicas: r.replicas, reason: r.reason, updatedAt: r.updatedAt } })
    }
  }

  /** The targets heard, ordered by digest then region, as `QuorumApi.targets` orders them. */
  list (filter: TargetFilter = {}): TargetRow[] {
    const rows: TargetRow[] = []
    for (const [k, h] of this.heard) {
      if (h.target == null) continue
      const [digest = '', region = ''] = k.split(' ')
      if (filter.layer != null && digest !== filter.layer) continue
      if (filter.region != null && region !== filter.region) continue
      rows.push({ digest, region, ...h.target })
    }
    return rows.sort((a, b) => a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : a.region < b.region ? -1 : a.region > b.region ? 1 : 0)
  }

  private take (index: number, changes: readonly TargetChange[]): void {
    for (const c of changes) {
      const k = key(c.digest, c.region)
      const old = this.heard.get(k)
      if (old != null && old.index > index) continue
      this.put(k, c.target != null ? { index, target: c.target } : { index })
    }
    if (index > this.heardIndex) this.heardIndex = index
    this.heardAtMs = Date.now()
  }

  private put (k: string, h: Heard): void {
    if (this.heard.get(k)?.target != null) this.live--
    // Re-inserted, so the map's order is least recently changed first.
    this.heard.delete(k)
    this.heard.set(k, h)
    if (h.target != null) this.live++
    if (this.heard.size > TARGETS_MAX_HEARD) {
      const oldest = this.heard.keys().next().value as string
      if (this.heard.get(oldest)?.target != null) this.live--
      this.heard.delete(oldest)
    }
  }
}

function key (digest: string, region: string): string {
  return `${digest} ${region}`
}

interface WireChange { d: string, r: string, n?: number, why?: string, at?: number }

/** `changes` as messages of at most TARGETS_MESSAGE_MAX_BYTES, each `{"v":1,"index":N,"changes":[...]}`. */
export function encode (index: number, changes: readonly TargetChange[]): Uint8Array[] {
  const enc = new TextEncoder()
  const head = `{"v":${VERSION},"index":${index},"changes":[`
  const out: Uint8Array[] = []
  let parts: string[] = []
  let size = head.length + 2
  const flush = (): void => {
    if (parts.length > 0) out.push(enc.encode(head + parts.join(',') + ']}'))
    parts = []
    size = head.length + 2
  }
  for (const c of changes) {
    const w: WireChange = { d: c.digest, r: c.region }
    if (c.target != null) { w.n = c.target.replicas; w.why = c.target.reason; w.at = c.target.updatedAt }
    const part = JSON.stringify(w)
    // Byte length, not characters: a reason may hold multi-byte text.
    const bytes = Buffer.byteLength(part)
    if (size + bytes + 1 > TARGETS_MESSAGE_MAX_BYTES) flush()
    parts.push(part)
    size += bytes + 1
  }
  flush()
  return out
}

export function decode (data: Uint8Array): { index: number, changes: TargetChange[] } {
  const m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data)) as { v?: unknown, index?: unknown, changes?: unknown }
  if (m == null || typeof m !== 'object' || m.v !== VERSION) throw new Error(`unknown version ${JSON.stringify((m as { v?: unknown } | null)?.v)}`)
  if (!Number.isSafeInteger(m.index) || (m.index as number) < 1) throw new Error('index must be a positive integer')
  if (!Array.isArray(m.changes)) throw new Error('changes must be a list')
  const changes = m.changes.map((raw: unknown): TargetChange => {
    const w = raw as WireChange
    if (w == null || typeof w !== 'object') throw new Error('a change is an object')
    if (typeof w.d !== 'string' || !DIGEST_RE.test(w.d)) throw new Error('bad digest')
    if (typeof w.r !== 'string' || w.r.length > REGION_MAX_CHARS || !REGION_RE.test(w.r)) throw new Error('bad region')
    if (w.n == null) return { digest: w.d, region: w.r }
    if (!Number.isSafeInteger(w.n) || w.n < 0 || w.n > MAX_REPLICAS) throw new Error('bad replicas')
    if (typeof w.why !== 'string' || w.why.length > REASON_MAX_CHARS) throw new Error('bad reason')
    if (!Number.isSafeInteger(w.at) || (w.at as number) < 0) throw new Error('bad updatedAt')
    return { digest: w.d, region: w.r, target: { replicas: w.n, reason: w.why, updatedAt: w.at as number } }
  })
  return { index: m.index as number, changes }
}
