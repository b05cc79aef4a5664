/** A typed listener list. A throwing listener is logged and does not stop the others or the store. */
import type { StoreEvents, StoreListener, StoreLogger } from './index.js'

export class StoreEventHub {
  private readonly listeners = new Map<keyof StoreEvents, Set<StoreListener<keyof StoreEvents>>>()

  constructor (private readonly logger: StoreLogger) {}

  on<K extends keyof StoreEvents> (event: K, listener: StoreListener<K>): () => void {
    let set = this.listeners.get(event)
    if (set === undefined) {
      set = new Set()
      this.listeners.set(event, set)
    }
    const entry = listener as StoreListener<keyof StoreEvents>
    set.add(entry)
    return () => { set.delete(entry) }
  }

  emit<K extends keyof StoreEvents> (event: K, detail: StoreEvents[K]): void {
    const set = this.listeners.get(event)
    if (set === undefined) return
    for (const listener of [...set]) {
      try {
        (listener as StoreListener<K>)(detail)
      } catch (err) {
        this.logger.error({ err, event }, 'a store event listener threw')
      }
    }
  }
}
