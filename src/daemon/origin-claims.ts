/**
 * One origin fetch per blob for the whole swarm. When a daemon must stream
 * a blob from the origin (no peer has its shard index yet), it says so on
 * gossipsub (`shoal/origin-claims/1`), and says "done" once the blob is
 * stored and announced. A daemon asked for the same blob meanwhile waits
 * for that "done" and then takes the index from the claimant and the shards
 * from the swarm, instead of pulling a second copy from the origin. This is
 * what makes a rollout (every host pulling one image at once) cost the
 * origin about one copy: without it, everyone who asks before the first
 * copy is whole finds no index and goes to the origin too.
 *
 * A claim is only a hint: a daemon whose wait runs out (the claimant died,
 * stalled, or is slower than `ORIGIN_FOLLOW_MAX_WAIT_MS`) fetches from the
 * origin itself. Claims are signed by gossipsub; the peer id in a message
 * must be its signer's.
 */
import type { GossipSub, Message } from '@libp2p/gossipsub'
import type { Logger } from 'pino'
import { MAX_ORIGIN_CLAIM_MESSAGE_BYTES, MAX_ORIGIN_CLAIMS, ORIGIN_CLAIM_TTL_MS, ORIGIN_CLAIMS_TOPIC } from './constants.js'

export interface OriginClaimsComponents {
  pubsub: GossipSub
  logger: Logger
  selfId: () => string
}

interface Claim {
  peerId: string
  atMs: number
  done: boolean
}

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/

export class OriginClaims {
  private readonly claims = new Map<string, Claim>()
  private readonly waiters = new Map<string, Set<() => void>>()
  private started = false
  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (msg.topic !== ORIGIN_CLAIMS_TOPIC || msg.data.byteLength > MAX_ORIGIN_CLAIM_MESSAGE_BYTES) return
    try {
      const m = JSON.parse(new TextDecoder().decode(msg.data)) as { peerId?: unknown, digest?: unknown, done?: unknown }
      if (typeof m.peerId !== 'string' || typeof m.digest !== 'string' || !DIGEST_RE.test(m.digest)) throw new Error('missing or malformed fields')
      if (msg.type === 'signed' && msg.from.toString() !== m.peerId) throw new Error(`signed by ${msg.from.toString()} but claims ${m.peerId}`)
      this.record(m.digest, { peerId: m.peerId, atMs: Date.now(), done: m.done === true })
    } catch (err) {
      this.components.logger.debug({ err: (err as Error).message }, 'ignored a malformed origin claim')
    }
  }

  constructor (private readonly components: OriginClaimsComponents) {}

  start (): void {
    if (this.started) return
    this.started = true
    this.components.pubsub.addEventListener('message', this.onMessage)
    this.components.pubsub.subscribe(ORIGIN_CLAIMS_TOPIC)
  }

  stop (): void {
    if (!this.started) return
    this.started = false
    this.components.pubsub.removeEventListener('message', this.onMessage)
    for (const set of this.waiters.values()) for (const wake of set) wake()
    this.waiters.clear()
  }

  /** Another daemon's live claim on a blob (fetching or done), if any. */
  claimOf (digest: string): Claim | undefined {
    const c = this.claims.get(digest)
    if (c == null) return undefined
    if (Date.now() - c.atMs > ORIGIN_CLAIM_TTL_MS) { this.claims.delete(digest); return undefined }
    return c.peerId === this.components.selfId() ? undefined : c
  }

  /** Say this daemon is fetching (`done: false`) or holds (`done: true`) a blob. */
  announce (digest: string, done: boolean): void {
    if (!this.started) return
    const data = new TextEncoder().encode(JSON.stringify({ peerId: this.components.selfId(), digest, done }))
    this.components.pubsub.publish(ORIGIN_CLAIMS_TOPIC, data).catch(err => {
      this.components.logger.debug({ err: (err as Error).message, digest }, 'origin claim not published')
    })
  }

  /** Resolves with the claimant once it says done, or undefined when the wait runs out or is aborted. */
  async waitDone (digest: string, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline && signal?.aborted !== true && this.started) {
      const c = this.claimOf(digest)
      if (c == null) return undefined
      if (c.done) return c.peerId
      await new Promise<void>(resolve => {
        const set = this.waiters.get(digest) ?? new Set()
        const wake = (): void => { clearTimeout(timer); set.delete(wake); signal?.removeEventListener('abort', wake); resolve() }
        const timer = setTimeout(wake, Math.max(0, deadline - Date.now()))
        signal?.addEventListener('abort', wake, { once: true })
        set.add(wake)
        this.waiters.set(digest, set)
      })
    }
    return undefined
  }

  private record (digest: string, claim: Claim): void {
    const old = this.claims.get(digest)
    // A claim does not displace another live one (the first fetcher leads); "done" always wins.
    if (old != null && !claim.done && !old.done && old.peerId !== claim.peerId && Date.now() - old.atMs < ORIGIN_CLAIM_TTL_MS) return
    this.claims.delete(digest)
    this.claims.set(digest, claim)
    if (this.claims.size > MAX_ORIGIN_CLAIMS) this.claims.delete(this.claims.keys().next().value as string)
    for (const wake of this.waiters.get(digest) ?? []) wake()
  }
}
