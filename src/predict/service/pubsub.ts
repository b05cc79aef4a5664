/**
 * The service's publish/subscribe over gossipsub, and its in-memory twin.
 * Both deliver a message to every other subscriber of its topic (never to
 * the publisher), later than the publish call, with the publisher's id.
 */
import type { GossipSub, Message } from '@libp2p/gossipsub'
import type { PriorityPubSub, PubSubMessage } from './index.js'

/** Gossipsub as a `PriorityPubSub`: signed messages carry their signer as `from`. */
export function gossipsubPubSub (pubsub: GossipSub): PriorityPubSub {
  return {
    subscribe (topic, onMessage) {
      const listener = (evt: CustomEvent<Message>): void => {
        const m = evt.detail
        if (m.topic !== topic) return
        onMessage(m.type === 'signed' ? { from: m.from.toString(), data: m.data } : { data: m.data })
      }
      pubsub.addEventListener('message', listener)
      pubsub.subscribe(topic)
      return () => {
        pubsub.removeEventListener('message', listener)
        pubsub.unsubscribe(topic)
      }
    },
    async publish (topic, data) {
      await pubsub.publish(topic, data)
    }
  }
}

type Handler = (message: PubSubMessage) => void

/** Members that share topics in memory; `inject` hands subscribers anything, as a misbehaving peer would. */
export class MemoryPubSubNetwork {
  private readonly subscribers = new Map<string, Set<{ id: string, handler: Handler }>>()
  /** Every message published through a member, in order. */
  readonly published: Array<{ from: string, topic: string, data: Uint8Array }> = []

  /** A member publishing as `id`. */
  join (id: string): PriorityPubSub {
    return {
      subscribe: (topic, onMessage) => {
        const entry = { id, handler: onMessage }
        let set = this.subscribers.get(topic)
        if (set == null) this.subscribers.set(topic, set = new Set())
        set.add(entry)
        return () => { set.delete(entry) }
      },
      publish: async (topic, data) => {
        this.published.push({ from: id, topic, data })
        this.deliver(topic, { from: id, data: data.slice() }, id)
      }
    }
  }

  /** Deliver a message to every subscriber of `topic`, from `from` (or unsigned). */
  inject (topic: string, data: Uint8Array, from?: string): void {
    this.deliver(topic, from != null ? { from, data } : { data }, undefined)
  }

  /** Wait until every delivery queued so far has run (deliveries are macrotasks, run in order). */
  async settle (): Promise<void> {
    await new Promise(resolve => setImmediate(resolve))
  }

  private deliver (topic: string, message: PubSubMessage, except: string | undefined): void {
    const set = this.subscribers.get(topic)
    for (const s of [...set ?? []]) {
      if (s.id === except) continue
      // One that unsubscribed in between hears nothing more, as with gossipsub.
      setImmediate(() => { if (set?.has(s) === true) s.handler(message) })
    }
  }
}
