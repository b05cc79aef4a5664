/**
 * Member heartbeats on gossipsub `shoal/members/1`: every daemon publishes
 * its region, capacity and free space on an interval and keeps what it hears
 * from others, so `shoal peers` can show regions and later placement can
 * reason about free space. Messages are signed by gossipsub (StrictSign); the
 * peer id in the payload must match the signer.
 */
import type { GossipSub, Message, SubscriptionChangeData } from '@libp2p/gossipsub'
import type { Logger } from 'pino'
import { MAX_MEMBER_MESSAGE_BYTES, MEMBERS_EXPIRY_MS, MEMBERS_INTERVAL_MS, MEMBERS_TOPIC } from './constants.js'

export interface MemberInfo {
  peerId: string
  region: string
  capacityBytes: number | null
  usedBytes: number
  seenAtMs: number
}

export interface MembersComponents {
  pubsub: GossipSub
  logger: Logger
  self: () => Omit<MemberInfo, 'seenAtMs'>
}

export class Members {
  private readonly members = new Map<string, MemberInfo>()
  private timer: NodeJS.Timeout | undefined
  private readonly onMessage = (evt: CustomEvent<Message>): void => {
    const msg = evt.detail
    if (msg.topic !== MEMBERS_TOPIC) return
    if (msg.data.byteLength > MAX_MEMBER_MESSAGE_BYTES) return
    try {
      const m = JSON.parse(new TextDecoder().decode(msg.data)) as Partial<MemberInfo>
      if (typeof m.peerId !== 'string' || typeof m.region !== 'string' || typeof m.usedBytes !== 'number') throw new Error('missing fields')
      if (msg.type === 'signed' && msg.from.toString() !== m.peerId) throw new Error(`signed by ${msg.from.toString()} but claims ${m.peerId}`)
      this.members.set(m.peerId, { peerId: m.peerId, region: m.region.slice(0, 64), capacityBytes: typeof m.capacityBytes === 'number' ? m.capacityBytes : null, usedBytes: m.usedBytes, seenAtMs: Date.now() })
    } catch (err) {
      this.components.logger.debug({ err: (err as Error).message }, 'ignored a malformed member heartbeat')
    }
  }

  private pendingPublish: NodeJS.Timeout | undefined
  // A peer that joins the topic hears from us at once, not at the next
  // interval. Only joins of this topic count: every new connection brings a
  // subscription change for each topic, and each publish is verified by
  // every member.
  private readonly onSubscriptionChange = (evt: CustomEvent<SubscriptionChangeData>): void => {
    if (this.pendingPublish != null || this.timer == null) return
    if (!evt.detail.subscriptions.some(s => s.subscribe && s.topic === MEMBERS_TOPIC)) return
    this.pendingPublish = setTimeout(() => { this.pendingPublish = undefined; this.publish() }, 200)
    this.pendingPublish.unref()
  }

  constructor (private readonly components: MembersComponents, private readonly intervalMs = MEMBERS_INTERVAL_MS) {}

  start (): void {
    if (this.timer != null) return
    this.components.pubsub.addEventListener('message', this.onMessage)
    this.components.pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.components.pubsub.subscribe(MEMBERS_TOPIC)
    this.timer = setInterval(() => { this.publish() }, this.intervalMs)
    this.timer.unref()
    setTimeout(() => { this.publish() }, 1000).unref()
  }

  stop (): void {
    if (this.timer == null) return
    clearInterval(this.timer)
    clearTimeout(this.pendingPublish)
    this.timer = undefined
    this.components.pubsub.removeEventListener('message', this.onMessage)
    this.components.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
  }

  publish (): void {
    if (this.timer == null) return
    const data = new TextEncoder().encode(JSON.stringify(this.components.self()))
    this.components.pubsub.publish(MEMBERS_TOPIC, data).catch(err => {
      this.components.logger.debug({ err: (err as Error).message }, 'member heartbeat not published')
    })
  }

  get (peerId: string): MemberInfo | undefined {
    const m = this.members.get(peerId)
    if (m != null && Date.now() - m.seenAtMs > MEMBERS_EXPIRY_MS) { this.members.delete(peerId); return undefined }
    return m
  }

  all (): MemberInfo[] {
    return [...this.members.keys()].map(k => this.get(k)).filter((m): m is MemberInfo => m != null)
  }
}
